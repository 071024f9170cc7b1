import { describe, expect, test } from "bun:test";
import { HitHeaders } from "../../edge/proxy/hit-headers.ts";

describe("hit headers", () => {
	const served = new Headers({ "content-type": "text/plain", etag: '"v1"' });

	test("served fields plus Age and our Cache-Status member", () => {
		const headers = new HitHeaders(served, null).at(12, 48);
		expect(headers.get("etag")).toBe('"v1"');
		expect(headers.get("age")).toBe("12");
		expect(headers.get("cache-status")).toBe("NeuroCache;hit;ttl=48");
		// The served set itself is never written.
		expect(served.has("age")).toBe(false);
	});

	test("appends to what upstream caches said", () => {
		const headers = new HitHeaders(served, "Upstream;hit").at(0, 10);
		expect(headers.get("cache-status")).toBe("Upstream;hit, NeuroCache;hit;ttl=10");
	});

	test("one object while age and ttl stay the same; a new one when either changes", () => {
		const hits = new HitHeaders(served, null);
		const first = hits.at(1, 59);
		expect(hits.at(1, 59)).toBe(first);
		const older = hits.at(2, 59);
		expect(older).not.toBe(first);
		expect(older.get("age")).toBe("2");
		const ttlMoved = hits.at(2, 58);
		expect(ttlMoved.get("cache-status")).toBe("NeuroCache;hit;ttl=58");
		// The earlier object was not rewritten under its holders.
		expect(first.get("age")).toBe("1");
	});
});
