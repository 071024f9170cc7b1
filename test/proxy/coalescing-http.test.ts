import { afterEach, describe, expect, test } from "bun:test";
import { makeEdge } from "./edge-harness.ts";
import {
	breakingBody,
	deferred,
	fresh,
	type HeldAnswer,
	heldOrigin,
	until,
} from "./held-origin.ts";

// Coalescing as clients see it over real HTTP (Bun.serve on a loopback port): clients that
// hang up, and an origin body that breaks on its way to one.

const servers: { stop(force: boolean): unknown }[] = [];
afterEach(() => {
	for (const server of servers.splice(0)) server.stop(true);
});

function servedEdge(script: readonly HeldAnswer[]) {
	const origin = heldOrigin(script);
	const edge = makeEdge({ fetchOrigin: origin.fetchOrigin });
	const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r) => edge.app.fetch(r) });
	servers.push(server);
	const base = `http://127.0.0.1:${server.port}`;
	const get = (path: string, init: RequestInit = {}) =>
		fetch(`${base}${path}`, { ...init, headers: { host: "cdn.test", ...init.headers } });
	return { ...edge, origin, get };
}

describe("coalescing over real HTTP", () => {
	test("waiters whose clients hang up make no origin request; the writer's fill still lands", async () => {
		const gate = deferred();
		const { get, lock, origin, app } = servedEdge([
			{ gate: gate.promise, answer: () => fresh("v") },
		]);
		const writer = get("/k");
		await origin.arrived(1);
		const clients = Array.from({ length: 10 }, () => new AbortController());
		const waiters = clients.map((client) =>
			get("/k", { signal: client.signal }).catch(() => "hung up"),
		);
		await until("10 waiters", () => lock.stats().waiting === 10);
		for (const client of clients) client.abort();
		await until("the waiters to leave", () => lock.stats().waiting === 0);
		expect(await Promise.all(waiters)).toEqual(Array(10).fill("hung up"));
		gate.resolve();
		expect(await (await writer).text()).toBe("v");
		const hit = await get("/k");
		expect(hit.headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		await hit.text();
		expect(origin.seen).toHaveLength(1);
		const metrics = await (
			await app.request("http://cdn.test/_neuro/metrics", { headers: { host: "cdn.test" } })
		).text();
		expect(metrics).toContain(
			'neuro_requests_total{host="cdn.test",phase="client-gone",pop="test"} 10',
		);
	});

	test("a writer whose client hangs up still fills for the requests waiting on it", async () => {
		const gate = deferred();
		const { get, lock, origin } = servedEdge([{ gate: gate.promise, answer: () => fresh("v") }]);
		const client = new AbortController();
		const writer = get("/k", { signal: client.signal }).catch(() => "hung up");
		await origin.arrived(1);
		const waiters = Array.from({ length: 5 }, () => get("/k"));
		await until("5 waiters", () => lock.stats().waiting === 5);
		client.abort();
		expect(await writer).toBe("hung up");
		gate.resolve();
		for (const waiter of await Promise.all(waiters)) {
			expect(waiter.headers.get("cache-status")).toContain("collapsed");
			expect(await waiter.text()).toBe("v");
		}
		expect(origin.seen).toHaveLength(1);
	});

	test("a body that breaks on its way to the writer's client: the waiters elect one new writer", async () => {
		const gate = deferred();
		const { get, lock, origin } = servedEdge([
			{
				gate: gate.promise,
				answer: () =>
					new Response(breakingBody("par"), { headers: { "cache-control": "max-age=60" } }),
			},
			{ answer: () => fresh("good") },
		]);
		const writer = get("/k")
			.then((r) => r.text())
			.catch(() => "broken");
		await origin.arrived(1);
		const waiters = Array.from({ length: 30 }, () => get("/k").then((r) => r.text()));
		await until("30 waiters", () => lock.stats().waiting === 30);
		gate.resolve();
		expect(await writer).toBe("broken");
		expect(await Promise.all(waiters)).toEqual(Array(30).fill("good"));
		expect(origin.seen).toHaveLength(2);
	});
});
