import { describe, expect, test } from "bun:test";
import type { KvOp, KvResult } from "../../cluster/kv/ops.ts";
import { checkLinearizable, type HistoryOp } from "../../cluster/sim/linearizability.ts";

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
});
