import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
	causalContextSchema,
	ccAdd,
	ccBottom,
	ccHas,
	ccJoinInto,
} from "../../cluster/crdt/causal-context.ts";
import { gCounterIncrement, gCounterSchema } from "../../cluster/crdt/g-counter.ts";
import { ClockDriftError, HybridClock } from "../../cluster/crdt/hlc.ts";
import { lwwJoin, lwwRegisterSchema, lwwSet, lwwValue } from "../../cluster/crdt/lww-register.ts";
import {
	mvBottom,
	mvJoin,
	mvRegisterSchema,
	mvValues,
	mvWrite,
} from "../../cluster/crdt/mv-register.ts";
import {
	orSetAdd,
	orSetBottom,
	orSetElements,
	orSetJoin,
	orSetRemove,
	orSetSchema,
} from "../../cluster/crdt/or-set.ts";
import {
	pnCounterBottom,
	pnCounterIncrement,
	pnCounterJoin,
	pnCounterSchema,
	pnCounterValue,
} from "../../cluster/crdt/pn-counter.ts";

describe("counters", () => {
	test("a PN-Counter's value is increments minus decrements over every replica", () => {
		let a = pnCounterBottom();
		a = pnCounterJoin(a, pnCounterIncrement(a, "a", 5));
		a = pnCounterJoin(a, pnCounterIncrement(a, "a", -2));
		let b = pnCounterBottom();
		b = pnCounterJoin(b, pnCounterIncrement(b, "b", 7));
		expect(pnCounterValue(pnCounterJoin(a, b))).toBe(10);
	});

	test("a G-Counter refuses to shrink or to overflow", () => {
		expect(() => gCounterIncrement(Object.create(null), "a", -1)).toThrow(RangeError);
		const full = Object.assign(Object.create(null), { a: Number.MAX_SAFE_INTEGER });
		expect(() => gCounterIncrement(full, "a", 1)).toThrow("overflow");
	});

	test("malformed counter deltas are refused", () => {
		for (const bad of [
			{ a: -1 },
			{ a: 1.5 },
			{ a: "3" },
			{ "": 1 },
			{ constructor: 1 },
			[1, 2],
			null,
		]) {
			expect(v.safeParse(gCounterSchema, bad).success).toBe(false);
		}
		expect(v.safeParse(pnCounterSchema, { p: { a: 1 } }).success).toBe(false);
		expect(v.safeParse(pnCounterSchema, { p: {}, n: {}, x: 1 }).success).toBe(false);
	});

	test("parsed counters are null-prototype: an inherited name is never a slot", () => {
		const parsed = v.parse(gCounterSchema, { a: 1 });
		expect(Object.getPrototypeOf(parsed)).toBeNull();
	});
});

describe("hybrid logical clock", () => {
	test("follows physical time, and never goes back when it does", () => {
		let now = 1000;
		const hlc = new HybridClock(() => now);
		expect(hlc.now()).toEqual({ wall: 1000, logical: 0 });
		expect(hlc.now()).toEqual({ wall: 1000, logical: 1 });
		now = 900; // the system clock stepped back
		expect(hlc.now()).toEqual({ wall: 1000, logical: 2 });
		now = 1001;
		expect(hlc.now()).toEqual({ wall: 1001, logical: 0 });
	});

	test("orders local events after an observed remote timestamp within the drift bound", () => {
		const hlc = new HybridClock(() => 1000, 500);
		hlc.observe({ wall: 1400, logical: 7 });
		expect(hlc.now()).toEqual({ wall: 1400, logical: 9 });
	});

	test("refuses a remote timestamp beyond the drift bound and changes nothing", () => {
		const hlc = new HybridClock(() => 1000, 500);
		hlc.now();
		expect(() => hlc.observe({ wall: 1501, logical: 0 })).toThrow(ClockDriftError);
		expect(hlc.current).toEqual({ wall: 1000, logical: 0 });
		expect(hlc.accepts({ wall: 1500, logical: 0 })).toBe(true);
	});
});

describe("LWW-Register", () => {
	test("the later stamp wins; equal times fall to the greater replica id", () => {
		const early = lwwSet({ wall: 1, logical: 0, replica: "z" }, "early");
		const late = lwwSet({ wall: 2, logical: 0, replica: "a" }, "late");
		expect(lwwValue(lwwJoin(early, late))).toBe("late");
		const x = lwwSet({ wall: 5, logical: 1, replica: "a" }, "from a");
		const y = lwwSet({ wall: 5, logical: 1, replica: "b" }, "from b");
		expect(lwwValue(lwwJoin(x, y))).toBe("from b");
		expect(lwwValue(lwwJoin(y, x))).toBe("from b");
	});

	test("malformed registers are refused", () => {
		expect(
			v.safeParse(lwwRegisterSchema, { stamp: { wall: 1, logical: 0 }, value: 1 }).success,
		).toBe(false);
		expect(
			v.safeParse(lwwRegisterSchema, { stamp: { wall: -1, logical: 0, replica: "a" }, value: 1 })
				.success,
		).toBe(false);
		expect(
			v.safeParse(lwwRegisterSchema, {
				stamp: { wall: 1, logical: 0, replica: "a" },
				value: Number.NaN,
			}).success,
		).toBe(false);
		expect(v.safeParse(lwwRegisterSchema, null).success).toBe(true);
	});
});

describe("MV-Register", () => {
	test("concurrent writes are all returned; a write that saw them replaces them", () => {
		const base = mvBottom();
		const a = mvJoin(base, mvWrite(base, "a", "x"));
		const b = mvJoin(base, mvWrite(base, "b", "y"));
		const both = mvJoin(a, b);
		expect(mvValues(both).sort()).toEqual(["x", "y"]);
		const resolved = mvJoin(both, mvWrite(both, "a", "z"));
		expect(mvValues(resolved)).toEqual(["z"]);
		expect(mvValues(mvJoin(b, resolved))).toEqual(["z"]);
	});

	test("an entry whose dot its context does not hold is refused", () => {
		const bad = { entries: [{ dot: ["a", 3], value: 1 }], cc: { vv: { a: 2 }, cloud: {} } };
		expect(v.safeParse(mvRegisterSchema, bad).success).toBe(false);
		const dup = {
			entries: [
				{ dot: ["a", 1], value: 1 },
				{ dot: ["a", 1], value: 2 },
			],
			cc: { vv: { a: 1 }, cloud: {} },
		};
		expect(v.safeParse(mvRegisterSchema, dup).success).toBe(false);
	});
});

describe("OR-Set", () => {
	test("add wins over a concurrent remove; a remove that saw the add wins", () => {
		let a = orSetBottom();
		a = orSetJoin(a, orSetAdd(a, "a", "x"));
		let b = orSetJoin(orSetBottom(), a);
		b = orSetJoin(b, orSetRemove(b, "b", "x"));
		const again = orSetJoin(a, orSetAdd(a, "a", "x")); // concurrent with b's remove
		expect(orSetElements(orSetJoin(again, b))).toEqual(["x"]);
		expect(orSetElements(orSetJoin(a, b))).toEqual([]);
	});

	test("deltas stay small: an add ships one element and a remove ships no element", () => {
		let s = orSetBottom();
		for (let i = 0; i < 50; i++) s = orSetJoin(s, orSetAdd(s, "a", `e${i}`));
		expect(Object.keys(orSetAdd(s, "a", "new").entries)).toEqual(["new"]);
		expect(Object.keys(orSetRemove(s, "a", "e3").entries)).toEqual([]);
	});

	test("malformed sets are refused", () => {
		const cc = { vv: { a: 1 }, cloud: {} };
		expect(v.safeParse(orSetSchema, { entries: { x: [["a", 2]] }, cc }).success).toBe(false);
		expect(v.safeParse(orSetSchema, { entries: { x: [] }, cc }).success).toBe(false);
		expect(v.safeParse(orSetSchema, { entries: { x: [["a", 0]] }, cc }).success).toBe(false);
		expect(v.safeParse(orSetSchema, { entries: { x: [["a", 1]] }, cc }).success).toBe(true);
	});
});

describe("causal context", () => {
	test("out-of-order dots wait in the cloud until the gap fills", () => {
		const cc = ccBottom();
		ccAdd(cc, ["a", 3]);
		ccAdd(cc, ["a", 2]);
		expect(cc.vv.a).toBeUndefined();
		expect(cc.cloud.a).toEqual([2, 3]);
		ccAdd(cc, ["a", 1]);
		expect(cc.vv.a).toBe(3);
		expect(cc.cloud.a).toBeUndefined();
		const other = ccBottom();
		ccAdd(other, ["a", 5]);
		ccJoinInto(cc, other);
		expect(ccHas(cc, ["a", 5])).toBe(true);
		expect(ccHas(cc, ["a", 4])).toBe(false);
	});

	test("a context from the network is compacted, and bad dots are refused", () => {
		const parsed = v.parse(causalContextSchema, { vv: { a: 2 }, cloud: { a: [4, 3, 1], b: [1] } });
		expect(parsed.vv).toEqual(Object.assign(Object.create(null), { a: 4, b: 1 }));
		expect(Object.keys(parsed.cloud)).toEqual([]);
		expect(v.safeParse(causalContextSchema, { vv: {}, cloud: { a: [0] } }).success).toBe(false);
		expect(v.safeParse(causalContextSchema, { vv: {}, cloud: { a: [1.5] } }).success).toBe(false);
	});
});
