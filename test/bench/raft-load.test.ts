import { describe, expect, test } from "bun:test";
import type { KvClient } from "../../scripts/bench-raft/kv-client.ts";
import { combine, runLoad, value100 } from "../../scripts/bench-raft/load.ts";

/** A client whose every call takes exactly `costMs` of a virtual clock. */
function virtualClient(
	costMs: number,
	clock: { t: number },
	failAt = -1,
): KvClient & { calls: string[] } {
	const calls: string[] = [];
	const call = async (what: string) => {
		if (calls.length === failAt) throw new Error("HTTP 503");
		calls.push(what);
		await Promise.resolve();
		clock.t += costMs;
	};
	return {
		name: "virtual",
		calls,
		put: (key, value) => call(`put ${key} ${value.length}`),
		get: (key) => call(`get ${key}`),
	};
}

describe("raft benchmark load", () => {
	test("values are 100 bytes and differ per write", () => {
		expect(value100(7)).toHaveLength(100);
		expect(value100(7)).not.toBe(value100(8));
	});

	test("one closed-loop client: rate and latencies from the clock", async () => {
		const clock = { t: 0 };
		const client = virtualClient(2, clock);
		const figures = await runLoad(client, "put", 1, 100, () => clock.t);
		expect(figures.operations).toBe(50);
		expect(figures.perSecond).toBeCloseTo(500, 5);
		expect(figures.p50Ms).toBe(2);
		expect(client.calls[0]).toBe("put bench/0/0 100");
	});

	test("a failed operation fails the run instead of counting as throughput", async () => {
		const clock = { t: 0 };
		await expect(runLoad(virtualClient(1, clock, 3), "get", 2, 100, () => clock.t)).rejects.toThrow(
			"HTTP 503",
		);
	});
});

describe("raft benchmark rounds", () => {
	test("combine: operations over the total time, percentiles over every latency", async () => {
		const clock = { t: 0 };
		const fast = await runLoad(virtualClient(1, clock), "put", 1, 100, () => clock.t);
		const slow = await runLoad(virtualClient(4, clock), "put", 1, 100, () => clock.t);
		const both = combine([fast, slow]);
		expect(both.operations).toBe(125);
		expect(both.perSecond).toBeCloseTo(625, 5);
		expect(both.p50Ms).toBe(1);
		expect(both.p99Ms).toBe(4);
	});
});
