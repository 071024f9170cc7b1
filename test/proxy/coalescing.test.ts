import { describe, expect, test } from "bun:test";
import { makeEdge } from "./edge-harness.ts";
import { breakingBody, deferred, fresh, heldOrigin, outcomes, until } from "./held-origin.ts";

describe("coalescing after a writer fails", () => {
	test("a body that breaks mid-stream: one waiter fills instead, the other 98 are served from it", async () => {
		const firstGate = deferred();
		const origin = heldOrigin([
			{
				gate: firstGate.promise,
				answer: () =>
					new Response(breakingBody("par"), { headers: { "cache-control": "max-age=60" } }),
			},
			{ answer: () => fresh("good") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const responses = Array.from({ length: 100 }, () => get("/k"));
		await origin.arrived(1);
		await until("99 waiters", () => lock.stats().waiting === 99);
		firstGate.resolve();
		const all = await outcomes(responses);
		expect(origin.seen).toHaveLength(2);
		expect(all.filter((o) => o.body === "broken")).toHaveLength(1);
		expect(all.filter((o) => o.body === "good")).toHaveLength(99);
		expect(all.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(98);
		expect(all.some((o) => o.cacheStatus?.includes("uncacheable"))).toBe(false);
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0, handoffs: 1, coalesced: 98 });
	});

	test("a 5xx: every waiter goes to the origin at once, none queues for a next writer", async () => {
		const firstGate = deferred();
		const restGate = deferred();
		const origin = heldOrigin([
			{ gate: firstGate.promise, answer: () => new Response("down", { status: 500 }) },
			{ gate: restGate.promise, answer: () => new Response("still down", { status: 500 }) },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const responses = Array.from({ length: 20 }, () => get("/k"));
		await origin.arrived(1);
		await until("19 waiters", () => lock.stats().waiting === 19);
		firstGate.resolve();
		// All 19 reach the origin while the first of them is still held: no one waits on another.
		await until("19 more calls at the origin", () => origin.seen.length === 20);
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0, handoffs: 0 });
		restGate.resolve();
		const all = await outcomes(responses);
		expect(all.map((o) => o.status)).toEqual(Array(20).fill(500));
		expect(lock.stats().uncacheableKeys).toBe(0);
	});

	test("an unreachable origin: waiters go forward at once rather than each wait out its own timeout in turn", async () => {
		const firstGate = deferred();
		const restGate = deferred();
		const origin = heldOrigin([
			{
				gate: firstGate.promise,
				answer: () => {
					throw new TypeError("connection refused");
				},
			},
			{ gate: restGate.promise, answer: () => fresh("back") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const responses = Array.from({ length: 10 }, () => get("/k"));
		await origin.arrived(1);
		await until("9 waiters", () => lock.stats().waiting === 9);
		firstGate.resolve();
		await until("9 more calls at the origin", () => origin.seen.length === 10);
		expect(lock.stats()).toMatchObject({ waiting: 0, handoffs: 0 });
		restGate.resolve();
		const all = await outcomes(responses);
		expect(all.map((o) => o.status).sort()).toEqual([...Array(9).fill(200), 502]);
	});

	test("a writer whose lock expires: one waiter takes over, and the first fill to land serves all", async () => {
		const slowGate = deferred();
		const secondGate = deferred();
		const origin = heldOrigin([
			{ gate: slowGate.promise, answer: () => fresh("slow") },
			{ gate: secondGate.promise, answer: () => fresh("second") },
		]);
		const { get, lock, timers } = makeEdge({
			fetchOrigin: origin.fetchOrigin,
			lockTimeouts: { writerTimeoutMs: 1_000, readerWaitMs: 10_000 },
		});
		const responses = Array.from({ length: 50 }, () => get("/k"));
		await origin.arrived(1);
		await until("49 waiters", () => lock.stats().waiting === 49);
		timers.advance(1_000);
		await origin.arrived(2);
		expect(lock.stats()).toMatchObject({ writerTimeouts: 1, handoffs: 1, waiting: 48 });
		// The expired writer's fill lands first: everyone still waiting is served from it.
		slowGate.resolve();
		const [writer, successor, ...waiters] = responses;
		expect(await (await (writer as Promise<Response>)).text()).toBe("slow");
		const served = await outcomes(waiters);
		expect(served.every((o) => o.body === "slow" && o.cacheStatus?.includes("collapsed"))).toBe(
			true,
		);
		secondGate.resolve();
		expect(await (await (successor as Promise<Response>)).text()).toBe("second");
		expect(origin.seen).toHaveLength(2);
	});
});
