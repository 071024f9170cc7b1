// Purges and revalidations against answers still on their way from the origin, before any
// byte of them has arrived: the tier's purge mark, taken when the request went out, decides.
import { expect, test } from "bun:test";
import { makeEdge, settle } from "./edge-harness.ts";
import { deferred, fresh, heldOrigin } from "./held-origin.ts";

const purgeUrl = (app: ReturnType<typeof makeEdge>["app"], url: string) =>
	app.request("http://cdn.test/_neuro/purge", {
		method: "POST",
		headers: { authorization: "Bearer secret", "content-type": "application/json" },
		body: JSON.stringify({ url }),
	});

test("a purge while the origin has not answered yet: the old answer is served, never stored", async () => {
	const head = deferred();
	const origin = heldOrigin([
		{ gate: head.promise, answer: () => fresh("before the purge", "max-age=300") },
		{ answer: () => fresh("after the purge", "max-age=300") },
	]);
	const { app, get } = makeEdge({ fetchOrigin: origin.fetchOrigin });
	const pending = get("/page");
	await origin.arrived(1);
	expect((await purgeUrl(app, "http://cdn.test/page")).status).toBe(200);
	head.resolve();
	expect(await (await pending).text()).toBe("before the purge");
	await settle();
	const next = await get("/page");
	expect(await next.text()).toBe("after the purge");
	expect(origin.seen).toHaveLength(2);
});

test("a 304 that lands after a newer fill leaves the newer object as it is", async () => {
	const notModified = deferred();
	const origin = heldOrigin([
		{
			answer: () => new Response("v1", { headers: { "cache-control": "max-age=1", etag: '"v1"' } }),
		},
		// A HEAD revalidating the stale v1 goes alone; its 304 is held.
		{
			gate: notModified.promise,
			answer: () =>
				new Response(null, {
					status: 304,
					headers: { "cache-control": "max-age=600", etag: '"v1"', "x-from": "304" },
				}),
		},
		{
			answer: () =>
				new Response("v2", { headers: { "cache-control": "max-age=300", etag: '"v2"' } }),
		},
	]);
	const { get, timers } = makeEdge({ fetchOrigin: origin.fetchOrigin });
	await (await get("/doc")).text();
	await settle();
	timers.advance(2_000);
	const head = get("/doc", {}, "HEAD");
	await origin.arrived(2);
	const refetch = await get("/doc");
	expect(await refetch.text()).toBe("v2");
	await settle();
	notModified.resolve();
	await (await head).text();
	await settle();
	const hit = await get("/doc");
	expect(hit.headers.get("cache-status")).toContain("hit");
	expect(await hit.text()).toBe("v2");
	expect(hit.headers.get("etag")).toBe('"v2"');
	expect(hit.headers.get("x-from")).toBeNull();
	expect(origin.seen).toHaveLength(3);
});
