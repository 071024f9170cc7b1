import { describe, expect, test } from "bun:test";
import { updateStoredHeaders } from "../../edge/http/header-update.ts";

function entries(headers: Headers): [string, string][] {
	return [...headers].sort(([a], [b]) => a.localeCompare(b));
}

const STORED = {
	"Content-Type": "text/html",
	"Content-Length": "1234",
	"Content-Encoding": "gzip",
	ETag: '"v1"',
	"Cache-Control": "max-age=60",
	Date: "Wed, 10 Jan 2024 12:00:00 GMT",
	"X-Old": "kept",
};

describe("updateStoredHeaders", () => {
	test("RFC 9111 §3.2: new fields are added and present ones replaced", () => {
		const updated = updateStoredHeaders(
			new Headers(STORED),
			new Headers({
				"Cache-Control": "max-age=600",
				Date: "Wed, 10 Jan 2024 13:00:00 GMT",
				"X-New": "1",
			}),
		);
		expect(updated.get("Cache-Control")).toBe("max-age=600");
		expect(updated.get("Date")).toBe("Wed, 10 Jan 2024 13:00:00 GMT");
		expect(updated.get("X-New")).toBe("1");
		expect(updated.get("X-Old")).toBe("kept");
	});

	const excluded: [string, string, string][] = [
		["RFC 9111 §3.2: Content-Length is never updated", "Content-Length", "0"],
		["RFC 9111 §3.2: Content-Range is processed and removed", "Content-Range", "bytes 0-1/2"],
		["RFC 9111 §3.2: Content-Encoding, which the stored body depends on", "Content-Encoding", "br"],
		["RFC 9111 §3.1/RFC 9110 §7.6.1: Transfer-Encoding", "Transfer-Encoding", "chunked"],
		["RFC 9111 §3.1/RFC 9110 §7.6.1: Keep-Alive", "Keep-Alive", "timeout=5"],
		["RFC 9111 §3.1: Proxy-Authenticate", "Proxy-Authenticate", "Basic"],
	];
	for (const [title, name, value] of excluded) {
		test(title, () => {
			const before = new Headers(STORED);
			const updated = updateStoredHeaders(before, new Headers({ [name]: value }));
			expect(updated.get(name)).toBe(before.get(name));
		});
	}

	test("RFC 9110 §7.6.1: fields named in Connection are not stored", () => {
		const updated = updateStoredHeaders(
			new Headers(STORED),
			new Headers({ Connection: "X-Hop", "X-Hop": "1" }),
		);
		expect(updated.has("X-Hop")).toBe(false);
		expect(updated.has("Connection")).toBe(false);
	});

	test("RFC 9111 §3.1/§5.2.2.7: fields withheld by a qualified private are dropped", () => {
		const stored = new Headers({ ...STORED, "Set-Cookie": "old=1" });
		const updated = updateStoredHeaders(
			stored,
			new Headers({ "Cache-Control": 'private="set-cookie"', "Set-Cookie": "new=1" }),
		);
		expect(updated.has("Set-Cookie")).toBe(false);
	});

	test("RFC 9111 §3.2: a multi-valued field replaces every stored value", () => {
		const stored = new Headers(STORED);
		stored.append("Link", "</a>; rel=preload");
		stored.append("Link", "</b>; rel=preload");
		const incoming = new Headers();
		incoming.append("Link", "</c>; rel=preload");
		expect(updateStoredHeaders(stored, incoming).get("Link")).toBe("</c>; rel=preload");
	});

	test("RFC 9111 §3.2: the stored Headers is not modified", () => {
		const stored = new Headers(STORED);
		const before = entries(stored);
		updateStoredHeaders(stored, new Headers({ "Cache-Control": "no-cache" }));
		expect(entries(stored)).toEqual(before);
	});
});
