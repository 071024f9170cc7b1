import { describe, expect, test } from "bun:test";
import { boundAbandonedWrites, type MutableHistoryOp } from "../../cluster/sim/client.ts";
import { EventQueue } from "../../cluster/sim/event-queue.ts";
import { Network } from "../../cluster/sim/network.ts";
import { Prng } from "../../cluster/sim/prng.ts";

const quiet = {
	drop: 0,
	duplicate: 0,
	minDelay: 1,
	maxDelay: 5,
	longDelayChance: 0,
	longDelay: 5,
};

describe("simulated network", () => {
	test("a one-way partition cuts one direction only, and heals its own links", () => {
		const queue = new EventQueue();
		const net = new Network(queue, new Prng(1), { ...quiet });
		const got: string[] = [];
		const cut = net.partition([1], [1, 2, 3], true);
		const other = net.partition([3], [1, 2, 3], false);
		net.send(1, 2, () => got.push("1>2"));
		net.send(2, 1, () => got.push("2>1"));
		queue.runUntil(100);
		expect(got).toEqual(["2>1"]);
		net.heal(cut);
		expect(net.isCut(1, 2)).toBe(false);
		expect(net.isCut(3, 2) && net.isCut(2, 3)).toBe(true); // the other partition stays
		net.heal(other);
		expect(net.isCut(3, 2)).toBe(false);
	});

	test("delays reorder, duplicates arrive twice, drops never", () => {
		const queue = new EventQueue();
		const net = new Network(queue, new Prng(2), { ...quiet, maxDelay: 50, duplicate: 0.5 });
		const got: number[] = [];
		for (let i = 0; i < 200; i++) net.send(1, 2, () => got.push(i));
		queue.runUntil(1_000);
		expect(got.length).toBe(200 + net.stats.duplicated);
		expect(net.stats.duplicated).toBeGreaterThan(50);
		expect(got).not.toEqual([...got].sort((a, b) => a - b));
		const lossy = new Network(queue, new Prng(3), { ...quiet, drop: 1 });
		lossy.send(1, 2, () => got.push(-1));
		queue.runUntil(2_000);
		expect(got).not.toContain(-1);
	});
});

describe("abandoned writes", () => {
	const record = (
		kind: "put" | "get",
		call: number,
		ret: number | undefined,
		answered: boolean,
	): MutableHistoryOp => ({
		client: 1,
		op: kind === "put" ? { kind, key: "a", value: `v${call}` } : { kind, key: "a" },
		call,
		callTime: call,
		ret,
		result: answered
			? kind === "put"
				? { kind, revision: 1 }
				: { kind, value: null, revision: 0 }
			: undefined,
	});

	test("take effect, if ever, before the client's next answered write", () => {
		const history = [
			record("put", 1, undefined, false),
			record("get", 2, 3, true), // a read does not pass through the session
			record("put", 4, 5, true),
			record("put", 6, undefined, false), // nothing answered after it: unbounded
		];
		const bounded = boundAbandonedWrites(history);
		expect(bounded.map((op) => op.ret)).toEqual([5, 3, 5, undefined]);
		expect(bounded[0]?.result).toBeUndefined();
	});

	test("a session-expired answer bounds its write and the session's earlier ones; another session bounds nothing", () => {
		const inSession = (op: MutableHistoryOp, session: number, expiredAt?: number) => ({
			...op,
			session,
			...(expiredAt === undefined ? {} : { sessionExpiredAt: expiredAt }),
		});
		const history = [
			inSession(record("put", 1, undefined, false), 1), // given up
			inSession(record("put", 2, undefined, false), 1, 3), // answered session-expired
			inSession(record("put", 4, 5, true), 2), // the new session's first write
			inSession(record("put", 6, undefined, false), 2),
			inSession(record("put", 7, undefined, false), 3, 8),
		];
		const bounded = boundAbandonedWrites(history);
		expect(bounded.map((op) => op.ret)).toEqual([3, 3, 5, undefined, 8]);
		expect(bounded.map((op) => op.result === undefined)).toEqual([true, true, false, true, true]);
	});
});
