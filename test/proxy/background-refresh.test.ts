import { describe, expect, test } from "bun:test";
import { makeEdge, settle } from "./edge-harness.ts";
import { deferred, fresh, heldOrigin, outcomes, until } from "./held-origin.ts";

/** A response kept 1 s and served stale for a minute while refreshed (RFC 5861 §3). */
function swr(body: string, etag = '"v1"'): Response {
	return new Response(body, {
		headers: { "cache-control": "max-age=1, stale-while-revalidate=60", etag },
	});
}

describe("stale-while-revalidate's background refresh", () => {
	test("on a key a refresh found uncacheable, 100 requests start one refresh, not 100", async () => {
		const held = deferred();
		const origin = heldOrigin([
			{ answer: () => swr("old") },
			{ answer: () => fresh("dynamic", "no-store") },
			{ gate: held.promise, answer: () => fresh("dynamic", "no-store") },
		]);
		const { get, lock, timers } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await (await get("/s")).text();
		await settle();
		timers.advance(2_000);
		await (await get("/s")).text();
		await until("the refresh marks the key", () => lock.stats().uncacheableKeys === 1);
		const all = await outcomes(Array.from({ length: 100 }, () => get("/s")));
		expect(all.every((o) => o.body === "old")).toBe(true);
		await settle();
		expect(origin.seen).toHaveLength(3);
		held.resolve();
	});

	test("a refresh answered with a 5xx leaves the stale copy stored, even one with max-age", async () => {
		const origin = heldOrigin([
			{ answer: () => swr("good") },
			{
				answer: () =>
					new Response("down", { status: 503, headers: { "cache-control": "max-age=30" } }),
			},
		]);
		const { get, lock, timers } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await (await get("/s")).text();
		await settle();
		timers.advance(2_000);
		expect(await (await get("/s")).text()).toBe("good");
		await until("the refresh ends", () => origin.seen.length === 2 && lock.stats().locksHeld === 0);
		await settle();
		const after = await get("/s");
		expect({ status: after.status, body: await after.text() }).toEqual({
			status: 200,
			body: "good",
		});
		expect(after.headers.get("cache-status")).toContain("stale-while-revalidate");
	});

	test("a refresh asks with the stale copy's validators, and a 304 freshens it", async () => {
		const origin = heldOrigin([
			{ answer: () => swr("kept") },
			{
				answer: () =>
					new Response(null, {
						status: 304,
						headers: { etag: '"v1"', "cache-control": "max-age=60" },
					}),
			},
		]);
		const { get, lock, timers } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await (await get("/s")).text();
		await settle();
		timers.advance(2_000);
		expect(await (await get("/s", { "if-none-match": '"other"' })).text()).toBe("kept");
		await until("the refresh ends", () => origin.seen.length === 2 && lock.stats().locksHeld === 0);
		// The stale copy's ETag, not the client's.
		expect(origin.seen[1]?.headers.get("if-none-match")).toBe('"v1"');
		const after = await get("/s");
		expect(await after.text()).toBe("kept");
		expect(after.headers.get("cache-status")).toMatch(/^NeuroCache;hit;ttl=\d+$/);
		expect(origin.seen).toHaveLength(2);
	});
});
