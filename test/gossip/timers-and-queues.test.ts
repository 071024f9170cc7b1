import { describe, expect, test } from "bun:test";
import { Awareness } from "../../cluster/gossip/awareness.ts";
import { BroadcastQueue, updateBytes } from "../../cluster/gossip/broadcast-queue.ts";
import { retransmitLimit, swimConfig } from "../../cluster/gossip/config.ts";
import { deadDetectionBoundMs } from "../../cluster/gossip/detection-bound.ts";
import type { Update } from "../../cluster/gossip/messages.ts";
import { ProbeOrder } from "../../cluster/gossip/probe-order.ts";
import {
	Suspicion,
	suspicionTimeoutMs,
	suspicionTimeouts,
} from "../../cluster/gossip/suspicion.ts";
import { Prng } from "../../cluster/sim/prng.ts";

describe("suspicion timeout (Lifeguard)", () => {
	test("min = mult × max(1, log10 n) intervals, max = maxMult × min, k = mult − 2", () => {
		expect(suspicionTimeouts(5, 1000, 4, 6)).toEqual({ minMs: 4000, maxMs: 24000, k: 2 });
		const t20 = suspicionTimeouts(20, 1000, 4, 6);
		expect(t20.minMs).toBeCloseTo(5204, 0);
		expect(t20.k).toBe(2);
		// Three members: only one other could confirm; wait for that one (memberlist: for none).
		const t3 = suspicionTimeouts(3, 1000, 4, 6);
		expect(t3.k).toBe(1);
		expect(suspicionTimeoutMs(t3, 0)).toBe(24_000);
		expect(suspicionTimeoutMs(t3, 1)).toBe(4000);
		// Two: nobody else could confirm.
		expect(suspicionTimeouts(2, 1000, 4, 6).k).toBe(0);
		expect(suspicionTimeoutMs(suspicionTimeouts(2, 1000, 4, 6), 0)).toBe(4000);
	});

	test("shrinks on a log scale with independent confirmations, down to min", () => {
		const t = suspicionTimeouts(10, 1000, 5, 6); // k = 3
		const steps = [0, 1, 2, 3].map((c) => suspicionTimeoutMs(t, c));
		expect(steps[0]).toBe(t.maxMs);
		expect(steps[3]).toBe(t.minMs);
		expect(steps[1] as number).toBeLessThan(steps[0] as number);
		expect(steps[2] as number).toBeLessThan(steps[1] as number);
	});

	test("confirmations count distinct nodes other than the first suspecter, at most k", () => {
		const s = new Suspicion(3, 7, 1000, suspicionTimeouts(5, 1000, 4, 6));
		expect(s.deadline()).toBe(1000 + 24000);
		expect(s.confirm(7)).toBe(false);
		expect(s.confirm(8)).toBe(true);
		expect(s.confirm(8)).toBe(false);
		expect(s.confirm(9)).toBe(true);
		expect(s.confirm(10)).toBe(false);
		expect(s.deadline()).toBe(1000 + 4000);
	});
});

describe("awareness (local health multiplier)", () => {
	test("stays within 0..max and scales timeouts by score + 1", () => {
		const a = new Awareness(3);
		a.apply(-1);
		expect(a.score).toBe(0);
		expect(a.scale(500)).toBe(500);
		a.apply(10);
		expect(a.score).toBe(3);
		expect(a.scale(500)).toBe(2000);
	});
});

describe("broadcast queue", () => {
	const meta = { role: "pop", pop: "", edgeAddress: "", raftAddress: "" } as const;
	const alive = (id: number, inc: number): Update => ({
		t: "alive",
		id,
		address: `10.0.0.${id}:7946`,
		inc,
		meta,
	});

	test("a newer update about a member replaces the older one", () => {
		const q = new BroadcastQueue();
		q.enqueue(alive(2, 1));
		q.enqueue({ t: "suspect", id: 2, inc: 1, by: 3 });
		expect(q.size).toBe(1);
		expect(q.take(1000, 5)).toEqual([{ t: "suspect", id: 2, inc: 1, by: 3 }]);
	});

	test("least-sent first, dropped after the retransmit limit", () => {
		const q = new BroadcastQueue();
		q.enqueue(alive(2, 0));
		q.take(1000, 2);
		q.enqueue(alive(3, 0));
		expect(q.take(updateBytes(alive(3, 0)), 2)).toEqual([alive(3, 0)]);
		expect(q.take(1000, 2).map((u) => u.id)).toEqual([3, 2]);
		expect(q.size).toBe(0);
		expect(q.take(1000, 2)).toEqual([]);
	});

	test("respects the byte budget and puts the buddy's update first", () => {
		const q = new BroadcastQueue();
		for (let id = 2; id < 40; id++) q.enqueue(alive(id, 0));
		const taken = q.take(300, 10, 5);
		expect(taken[0]?.id).toBe(5);
		expect(taken.reduce((sum, u) => sum + updateBytes(u), 0)).toBeLessThanOrEqual(300);
		expect(q.take(10, 10)).toEqual([]);
	});

	test("retransmit limit is λ·ceil(log10(n + 1))", () => {
		expect(retransmitLimit(4, 5)).toBe(4);
		expect(retransmitLimit(4, 20)).toBe(8);
		expect(retransmitLimit(4, 200)).toBe(12);
	});
});

describe("probe order", () => {
	test("visits every candidate once per round, in a shuffled order", () => {
		const rng = new Prng(7);
		const order = new ProbeOrder(() => rng.next());
		const ids = [2, 3, 4, 5, 6, 7];
		const rounds: number[][] = [];
		for (let r = 0; r < 4; r++) {
			const round: number[] = [];
			for (let i = 0; i < ids.length; i++) round.push(order.next(ids, () => true) as number);
			rounds.push(round);
			expect([...round].sort()).toEqual(ids);
		}
		expect(new Set(rounds.map((r) => r.join())).size).toBeGreaterThan(1);
	});

	test("skips members that are no longer probeable; undefined when none is", () => {
		const rng = new Prng(1);
		const order = new ProbeOrder(() => rng.next());
		expect(order.next([], () => true)).toBeUndefined();
		const seen = new Set<number>();
		for (let i = 0; i < 6; i++) seen.add(order.next([2, 3, 4], (id) => id !== 3) as number);
		expect([...seen].sort()).toEqual([2, 4]);
		expect(order.next([2], () => false)).toBeUndefined();
	});
});

describe("dead-detection bound", () => {
	test("2(n − 1) periods of (health + 1) intervals plus the longest suspicion", () => {
		const config = swimConfig();
		expect(deadDetectionBoundMs(5, config, 0)).toBe(32_000);
		expect(deadDetectionBoundMs(20, config, 0)).toBeCloseTo(69_225, 0);
		expect(deadDetectionBoundMs(5, config, 8)).toBe(96_000);
	});
});

describe("config", () => {
	test("bad knobs are refused with the field named", () => {
		expect(() => swimConfig({ probeIntervalMs: 0 })).toThrow();
		expect(() => swimConfig({ probeTimeoutMs: 2000 })).toThrow(/probeTimeoutMs/);
		expect(() => swimConfig({ indirectChecks: 1.5 })).toThrow();
		expect(() => swimConfig({ pushPullDeadShare: 2 })).toThrow();
		expect(() => swimConfig({ maxPacketBytes: 10 })).toThrow();
		expect(swimConfig().maxPacketBytes).toBe(1400);
	});
});
