import { describe, expect, test } from "bun:test";
import {
	applyToKey,
	EMPTY_KEY,
	type KeyState,
	type KvOp,
	type KvResult,
} from "../../cluster/kv/ops.ts";
import {
	analyseLinearizable,
	checkLinearizable,
	type HistoryOp,
} from "../../cluster/sim/linearizability.ts";
import { Prng } from "../../cluster/sim/prng.ts";
import { linearizableByBruteForce } from "./linearizability-reference.ts";

/** One operation: [call, ret] on the history clock; ret/result undefined if unknown. */
const op = (
	client: number,
	call: number,
	ret: number | undefined,
	operation: KvOp,
	result: KvResult | undefined,
): HistoryOp => ({ client, call, ret, op: operation, result });

const put = (key: string, value: string): KvOp => ({ kind: "put", key, value });
const get = (key: string): KvOp => ({ kind: "get", key });
const del = (key: string): KvOp => ({ kind: "delete", key });
const cas = (key: string, expected: string | null, value: string): KvOp => ({
	kind: "cas",
	key,
	expected,
	value,
});
const putOk = (revision: number): KvResult => ({ kind: "put", revision });
const got = (value: string | null, revision: number): KvResult => ({
	kind: "get",
	value,
	revision,
});
const casRes = (ok: boolean, value: string | null, revision: number): KvResult => ({
	kind: "cas",
	ok,
	value,
	revision,
});

describe("linearizability checker", () => {
	test("a sequential history that follows the model is linearizable", () => {
		const history = [
			op(1, 1, 2, put("a", "x"), putOk(1)),
			op(2, 3, 4, get("a"), got("x", 1)),
			op(1, 5, 6, cas("a", "x", "y"), casRes(true, "y", 2)),
			op(2, 7, 8, del("a"), { kind: "delete", deleted: true, revision: 3 }),
			op(1, 9, 10, get("a"), got(null, 3)),
		];
		expect(checkLinearizable(history)).toEqual({ ok: true });
	});

	test("a read of an overwritten value after the overwrite returned is not", () => {
		const history = [
			op(1, 1, 2, put("a", "x"), putOk(1)),
			op(1, 3, 4, put("a", "y"), putOk(2)),
			op(2, 5, 6, get("a"), got("x", 1)),
		];
		const verdict = checkLinearizable(history);
		expect(verdict.ok).toBe(false);
		if (!verdict.ok) expect(verdict.key).toBe("a");
	});

	test("a read concurrent with a write may see either value", () => {
		for (const seen of [got(null, 0), got("x", 1)]) {
			const history = [op(1, 1, 4, put("a", "x"), putOk(1)), op(2, 2, 3, get("a"), seen)];
			expect(checkLinearizable(history)).toEqual({ ok: true });
		}
	});

	test("two reads may not disagree on the order of two concurrent writes", () => {
		const history = [
			op(1, 1, 10, put("a", "x"), putOk(1)),
			op(2, 1, 10, put("a", "y"), putOk(2)),
			op(3, 2, 3, get("a"), got("y", 2)),
			op(3, 4, 5, get("a"), got("x", 2)),
		];
		expect(checkLinearizable(history).ok).toBe(false);
	});

	test("two compare-and-sets from the same value cannot both succeed", () => {
		const history = [
			op(1, 1, 2, put("a", "v0"), putOk(1)),
			op(2, 3, 6, cas("a", "v0", "v1"), casRes(true, "v1", 2)),
			op(3, 4, 7, cas("a", "v0", "v2"), casRes(true, "v2", 2)),
		];
		expect(checkLinearizable(history).ok).toBe(false);
		const oneFails = [
			...history.slice(0, 2),
			op(3, 4, 7, cas("a", "v0", "v2"), casRes(false, "v1", 2)),
		];
		expect(checkLinearizable(oneFails)).toEqual({ ok: true });
	});

	test("revisions count too: a read cannot skip a write it saw the value of", () => {
		const history = [op(1, 1, 2, put("a", "x"), putOk(1)), op(2, 3, 4, get("a"), got("x", 2))];
		expect(checkLinearizable(history).ok).toBe(false);
	});

	test("keys are independent: each key's history is checked alone", () => {
		const history = [
			op(1, 1, 2, put("a", "x"), putOk(1)),
			op(2, 1, 2, put("b", "y"), putOk(1)),
			op(3, 3, 4, get("b"), got("y", 1)),
			op(3, 5, 6, get("a"), got(null, 0)), // stale on "a"
		];
		const verdict = checkLinearizable(history);
		expect(verdict).toMatchObject({ ok: false, key: "a" });
	});

	describe("operations whose outcome is unknown", () => {
		test("a timed-out write may have taken effect...", () => {
			const history = [
				op(1, 1, undefined, put("a", "x"), undefined),
				op(2, 5, 6, get("a"), got("x", 1)),
			];
			expect(checkLinearizable(history)).toEqual({ ok: true });
		});

		test("...or not", () => {
			const history = [
				op(1, 1, undefined, put("a", "x"), undefined),
				op(2, 5, 6, get("a"), got(null, 0)),
			];
			expect(checkLinearizable(history)).toEqual({ ok: true });
		});

		test("but not first seen and then unseen", () => {
			const history = [
				op(1, 1, undefined, put("a", "x"), undefined),
				op(2, 5, 6, get("a"), got("x", 1)),
				op(2, 7, 8, get("a"), got(null, 0)),
			];
			expect(checkLinearizable(history).ok).toBe(false);
		});

		test("and it cannot take effect before it was called", () => {
			const history = [
				op(2, 1, 2, get("a"), got("x", 1)),
				op(1, 3, undefined, put("a", "x"), undefined),
			];
			expect(checkLinearizable(history).ok).toBe(false);
		});

		test("a bounded unknown outcome cannot take effect after its bound", () => {
			const late = [
				op(1, 1, 3, put("a", "x"), undefined),
				op(2, 4, 5, get("a"), got(null, 0)),
				op(2, 6, 7, get("a"), got("x", 1)),
			];
			expect(checkLinearizable(late).ok).toBe(false);
			const early = [op(1, 1, 3, put("a", "x"), undefined), op(2, 2, 5, get("a"), got("x", 1))];
			expect(checkLinearizable(early)).toEqual({ ok: true });
		});

		test("an unanswered read is ignored", () => {
			const history = [
				op(1, 1, 2, put("a", "x"), putOk(1)),
				op(2, 3, undefined, get("a"), undefined),
			];
			expect(checkLinearizable(history)).toEqual({ ok: true });
		});

		test("a dozen concurrent unknown writes stay tractable", () => {
			const history: HistoryOp[] = [];
			for (let i = 0; i < 12; i++)
				history.push(op(i + 10, i, undefined, put("a", `v${i}`), undefined));
			history.push(op(1, 100, 101, get("a"), got("v7", 3)));
			history.push(op(1, 102, 103, get("a"), got("v7", 3)));
			expect(checkLinearizable(history)).toEqual({ ok: true });
		});
	});

	test("a search that exceeds its budget is reported, not passed", () => {
		const history: HistoryOp[] = [];
		for (let i = 0; i < 16; i++) history.push(op(i, 0, undefined, put("a", `v${i}`), undefined));
		history.push(op(99, 101, 102, get("a"), got("none", 3)));
		const verdict = checkLinearizable(history, 1_000);
		expect(verdict).toMatchObject({ ok: false, key: "a" });
		if (!verdict.ok) expect(verdict.reason).toContain("gave up");
	});

	test("a search over its budget is undecided, a violation found is not", () => {
		const many: HistoryOp[] = [];
		for (let i = 0; i < 16; i++) many.push(op(i, 0, undefined, put("a", `v${i}`), undefined));
		many.push(op(99, 101, 102, get("a"), got("none", 16)));
		expect(checkLinearizable(many, 1_000)).toMatchObject({ ok: false, undecided: true });
		const stale = [op(1, 1, 2, put("a", "x"), putOk(1)), op(2, 3, 4, get("a"), got(null, 0))];
		expect(checkLinearizable(stale)).toMatchObject({ ok: false, undecided: false });
	});

	describe("histories like a simulation's after a fault (seed 500982)", () => {
		// Four clients each gave up on five writes, all bounded by their next answered write:
		// one took effect (three reads saw it), the rest never did. Then a long answered tail.
		const shaped = (lastRead: KvResult): HistoryOp[] => {
			const history: HistoryOp[] = [];
			for (let c = 0; c < 4; c++) {
				for (let j = 0; j < 5; j++) {
					history.push(op(c, 1 + c * 5 + j, 35 + c, put("a", `c${c}.${j}`), undefined));
				}
			}
			for (let r = 0; r < 3; r++)
				history.push(op(10 + r, 21 + r, 25 + r, get("a"), got("c2.3", 1)));
			history.push(op(20, 28, 45, del("a"), { kind: "delete", deleted: true, revision: 2 }));
			for (let r = 0; r < 3; r++) history.push(op(10 + r, 46 + r, 50, get("a"), got(null, 2)));
			// Pairs of overlapping writes, each pair read back after it.
			let at = 60;
			let revision = 2;
			for (let i = 0; i < 20; i++) {
				history.push(op(30, at, at + 3, put("a", `p${i}`), putOk(revision + 1)));
				history.push(op(31, at + 1, at + 4, put("a", `q${i}`), putOk(revision + 2)));
				history.push(op(32, at + 2, at + 5, get("a"), got(`p${i}`, revision + 1)));
				history.push(op(33, at + 6, at + 7, get("a"), got(`q${i}`, revision + 2)));
				revision += 2;
				at += 10;
			}
			history.push(op(34, at, at + 1, get("a"), lastRead));
			return history;
		};

		test("a linearizable one is decided in a few thousand steps", () => {
			const { verdict, steps } = analyseLinearizable(shaped(got("q19", 42)));
			expect(verdict).toEqual({ ok: true });
			// Without cutting branches that pass a revision still needed: over 10^8 steps.
			expect(steps).toBeLessThan(5_000);
		});

		test("a stale read at its end is still caught, as quickly", () => {
			const { verdict, steps } = analyseLinearizable(shaped(got("p19", 41)));
			expect(verdict).toMatchObject({ ok: false, key: "a", undecided: false });
			expect(steps).toBeLessThan(5_000);
		});
	});

	test("agrees with the definition, checked by brute force, on 3000 small histories", () => {
		let violations = 0;
		for (let seed = 1; seed <= 3_000; seed++) {
			const history = smallHistory(new Prng(seed));
			const expected = linearizableByBruteForce(history);
			if (!expected) violations++;
			const verdict = checkLinearizable(history);
			if (verdict.ok !== expected) throw new Error(`seed ${seed}: ${JSON.stringify(history)}`);
			expect(verdict.ok).toBe(expected);
		}
		// Both kinds were tried, many of each.
		expect(violations).toBeGreaterThan(500);
		expect(violations).toBeLessThan(2_500);
	});
});

/**
 * Up to seven operations on one or two keys: a correct run (each takes effect at a point
 * inside its interval), some outcomes made unknown, then up to two faults (a revision or a
 * value changed, a call moved).
 */
function smallHistory(rng: Prng): HistoryOp[] {
	const keys = rng.chance(0.3) ? ["a", "b"] : ["a"];
	const values = ["x", "y", "z"];
	const states = new Map<string, KeyState>();
	const history: HistoryOp[] = [];
	let point = 0;
	const count = rng.int(1, 7);
	for (let i = 0; i < count; i++) {
		point += rng.int(1, 4);
		const key = rng.pick(keys);
		const roll = rng.next();
		const operation: KvOp =
			roll < 0.35
				? get(key)
				: roll < 0.6
					? put(key, rng.pick(values))
					: roll < 0.75
						? del(key)
						: cas(key, rng.chance(0.3) ? null : rng.pick(values), rng.pick(values));
		const { state, result } = applyToKey(states.get(key) ?? EMPTY_KEY, operation);
		let ret: number | undefined = point + rng.int(0, 8);
		let known: KvResult | undefined = result;
		let applied = true;
		if (operation.kind !== "get" && rng.chance(0.25)) {
			known = undefined;
			applied = rng.chance(0.7);
			if (rng.chance(0.4)) ret = undefined;
		}
		if (applied) states.set(key, state);
		history.push(op(i, point - rng.int(0, 8), ret, operation, known));
	}
	for (let f = rng.int(0, 2); f > 0; f--) {
		const i = rng.int(0, history.length - 1);
		const entry = history[i] as HistoryOp;
		const roll = rng.next();
		const result = entry.result;
		if (result !== undefined && roll < 0.4) {
			history[i] = {
				...entry,
				result: { ...result, revision: result.revision + rng.pick([-1, 1]) },
			};
		} else if (result?.kind === "get" && roll < 0.7) {
			history[i] = { ...entry, result: { ...result, value: rng.pick([null, ...values]) } };
		} else if (entry.ret !== undefined) {
			history[i] = { ...entry, call: Math.min(entry.ret, entry.call + rng.int(-6, 6)) };
		}
	}
	return history;
}
