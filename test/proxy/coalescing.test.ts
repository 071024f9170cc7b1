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

	test("a 5xx: the next in line asks again, and a storable answer serves the rest", async () => {
		const firstGate = deferred();
		const origin = heldOrigin([
			{ gate: firstGate.promise, answer: () => new Response("down", { status: 503 }) },
			{ answer: () => fresh("back", "max-age=300") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const responses = Array.from({ length: 20 }, () => get("/k"));
		await origin.arrived(1);
		await until("19 waiters", () => lock.stats().waiting === 19);
		firstGate.resolve();
		const all = await outcomes(responses);
		expect(all.map((o) => o.status).sort()).toEqual([...Array(19).fill(200), 503]);
		expect(all.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(18);
		expect(origin.seen).toHaveLength(2);
		expect(lock.stats().uncacheableKeys).toBe(0);
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
