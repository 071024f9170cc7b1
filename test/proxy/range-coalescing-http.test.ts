/**
 * Requests for one range of a file over the size gate, over real HTTP (Bun.serve on a
 * loopback port): the first one's client hangs up while the part is still on its way, and
 * the part it was fetching still lands and answers the requests waiting on it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { makeEdge, settle } from "./edge-harness.ts";
import { deferred, heldOrigin, until } from "./held-origin.ts";

const SIZE = 4096;
const FILE = Array.from({ length: SIZE }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join(
	"",
);
const PART = FILE.slice(100, 300);

const servers: { stop(force: boolean): unknown }[] = [];
afterEach(() => {
	for (const server of servers.splice(0)) server.stop(true);
});

describe("one range of a file over the size gate, over real HTTP", () => {
	test("the first client hanging up mid-body still stores the part its waiters get", async () => {
		const rest = deferred();
		const encoder = new TextEncoder();
		// The 206's first half at once, the rest once the test lets it go.
		const slowPart = () =>
			new Response(
				new ReadableStream({
					async start(controller) {
						controller.enqueue(encoder.encode(PART.slice(0, 100)));
						await rest.promise;
						controller.enqueue(encoder.encode(PART.slice(100)));
						controller.close();
					},
				}),
				{
					status: 206,
					headers: { "cache-control": "max-age=60", "content-range": `bytes 100-299/${SIZE}` },
				},
			);
		const whole = () =>
			new Response(FILE, {
				headers: { "cache-control": "max-age=60", "content-length": String(SIZE) },
			});
		const origin = heldOrigin([{ answer: whole }, { answer: slowPart }]);
		const edge = makeEdge({ fetchOrigin: origin.fetchOrigin, maxObjectBytes: 1024 });
		const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r) => edge.app.fetch(r) });
		servers.push(server);
		const get = (range: string, init: RequestInit = {}) =>
			fetch(`http://127.0.0.1:${server.port}/video`, {
				...init,
				headers: { host: "cdn.test", range },
			});
		await (await get("bytes=0-9")).text();
		await until("the key marked uncacheable", () => edge.lock.stats().uncacheableKeys === 1);

		const client = new AbortController();
		const first = await get("bytes=100-299", { signal: client.signal });
		expect(first.status).toBe(206);
		const waiters = Array.from({ length: 5 }, () => get("bytes=100-299"));
		await until("5 waiters", () => edge.lock.stats().waiting === 5);
		client.abort();
		expect(await first.text().catch(() => "hung up")).toBe("hung up");
		rest.resolve();
		for (const waiter of await Promise.all(waiters)) {
			expect(waiter.status).toBe(206);
			expect(waiter.headers.get("cache-status")).toContain("collapsed");
			expect(await waiter.text()).toBe(PART);
		}
		await settle();
		expect(origin.seen).toHaveLength(2);
		expect(edge.lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0, uncacheableKeys: 1 });
	});
});
