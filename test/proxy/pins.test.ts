import { describe, expect, test } from "bun:test";
import { makeEdge, purgeThrough, settle } from "./edge-harness.ts";

describe("zero-copy hits", () => {
	// The edge answers hits from the tier's own bytes and releases them once the Response is
	// built. That is only safe because the runtime copies a body at construction: if a
	// runtime upgrade stops doing so, this fails before any wrong byte is served.
	test("the runtime copies a Uint8Array body when a Response is built", async () => {
		const arena = new ArrayBuffer(1 << 16);
		const view = new Uint8Array(arena, 1024, 4096).fill(1);
		const response = new Response(view);
		view.fill(2);
		const body = new Uint8Array(await response.arrayBuffer());
		expect(body.every((b) => b === 1)).toBe(true);
	});

	// Hits share one Headers object as the init of many Responses (proxy/hit-headers.ts).
	// That is only safe because the runtime copies init headers into each Response.
	test("the runtime copies init headers into each Response", () => {
		const shared = new Headers({ age: "1" });
		const first = new Response("a", { headers: shared });
		first.headers.set("age", "2");
		const second = new Response("b", { headers: shared });
		expect(shared.get("age")).toBe("1");
		expect(second.headers.get("age")).toBe("1");
		shared.set("age", "3");
		expect(first.headers.get("age")).toBe("2");
		expect(second.headers.get("age")).toBe("1");
	});

	test("every kind of hit releases its pins: a purged object frees its bytes", async () => {
		const { app, get, tier } = makeEdge();
		const first = await get("/pages/1");
		const etag = first.headers.get("etag") as string;
		await first.text();
		await settle();
		await (await get("/pages/1")).text(); // hit
		await (await get("/pages/1", { range: "bytes=0-9" })).text(); // 206
		await (await get("/pages/1", { range: "bytes=9999-" })).text(); // 416
		await (await get("/pages/1", { "if-none-match": etag })).text(); // 304
		await (await get("/pages/1", {}, "HEAD")).text();
		expect(tier.stats().bytes).toBeGreaterThan(0);
		const purge = await purgeThrough(app, { url: "http://cdn.test/pages/1" });
		expect(await purge.json()).toEqual({ purged: 1, soft: false });
		// A pin left behind would keep the purged object's slot charged.
		expect(tier.stats().bytes).toBe(0);
		expect(tier.slab.stats().bytesInUse).toBe(0);
	});
});
