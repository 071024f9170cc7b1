import { describe, expect, test } from "bun:test";
import { CounterRangeError, CrdtInputError, CrdtKindError } from "../../cluster/crdt/errors.ts";
import { CrdtGossipAdapter } from "../../cluster/crdt/gossip-adapter.ts";
import { CrdtStore } from "../../cluster/crdt/store.ts";

function pair(clockA = () => 1_000, clockB = () => 1_000) {
	const a = new CrdtStore({ replica: "n1", clock: clockA });
	const b = new CrdtStore({ replica: "n2", clock: clockB });
	const warnings: string[] = [];
	const log = (_level: string, message: string) => warnings.push(message);
	return { a, b, ga: new CrdtGossipAdapter(a, log), gb: new CrdtGossipAdapter(b, log), warnings };
}

describe("store: local operations", () => {
	test("counters, registers and sets answer from the local replica", () => {
		const { a } = pair();
		expect(a.incr("hits:pop-ams")).toBe(1);
		expect(a.incr("hits:pop-ams", 4)).toBe(5);
		expect(a.decr("hits:pop-ams", 2)).toBe(3);
		a.set("ttl", { seconds: 30 });
		a.declare("owner", "mvreg");
		a.set("owner", "ams");
		a.add("pops", "ams");
		a.add("pops", "fra");
		a.remove("pops", "ams");
		expect(a.get("hits:pop-ams")).toEqual({ kind: "pncounter", value: 3 });
		expect(a.get("ttl")).toEqual({ kind: "lww", value: { seconds: 30 } });
		expect(a.get("owner")).toEqual({ kind: "mvreg", value: ["ams"] });
		expect(a.get("pops")).toEqual({ kind: "orset", value: ["fra"] });
		expect(a.has("pops", "fra")).toBe(true);
		expect(a.has("pops", "ams")).toBe(false);
		expect(a.get("never")).toBeUndefined();
	});

	test("a key's kind is fixed at first use; a mismatch is a clear error and changes nothing", () => {
		const { a } = pair();
		a.incr("hits");
		expect(() => a.add("hits", "x")).toThrow(CrdtKindError);
		expect(() => a.set("hits", 1)).toThrow('key "hits" is a pncounter, not a lww or mvreg');
		a.declare("grow", "gcounter");
		expect(() => a.decr("grow")).toThrow(CrdtKindError);
		expect(a.count("hits")).toBe(1);
	});

	test("a counter's total stays exact: a step past 2^53 - 1 is refused and changes nothing", () => {
		const { a } = pair();
		const near = Number.MAX_SAFE_INTEGER - 5;
		a.merge("g", { kind: "gcounter", state: { n2: near } });
		expect(a.incr("g", 5)).toBe(Number.MAX_SAFE_INTEGER);
		expect(() => a.incr("g", 1)).toThrow(CounterRangeError);
		expect(a.count("g")).toBe(Number.MAX_SAFE_INTEGER);
		expect(a.stateOf("g")).toEqual({ kind: "gcounter", state: { n1: 5, n2: near } });
		// A PN-Counter: each side's total must stay exact, whichever way the step goes.
		a.merge("pn", { kind: "pncounter", state: { p: { n2: near }, n: { n3: near } } });
		expect(() => a.incr("pn", 6)).toThrow(CounterRangeError);
		expect(() => a.decr("pn", 6)).toThrow(CounterRangeError);
		expect(a.decr("pn", 5)).toBe(-5);
		expect(a.stateOf("pn")).toEqual({
			kind: "pncounter",
			state: { p: { n2: near }, n: { n1: 5, n3: near } },
		});
	});

	test("a total replicas reached between them past 2^53 - 1 is refused when read, not rounded", () => {
		const { a } = pair();
		const half = 2 ** 52 + 1; // each slot exact; together 2^53 + 2
		a.merge("g", { kind: "gcounter", state: { n2: half, n3: half } });
		expect(() => a.count("g")).toThrow(CounterRangeError);
		expect(() => a.get("g")).toThrow("passes 2^53 - 1");
		expect(() => a.incr("g")).toThrow(CounterRangeError);
		expect(a.stateOf("g")).toEqual({ kind: "gcounter", state: { n2: half, n3: half } });
	});

	test("bad arguments are refused and create no key", () => {
		const { a } = pair();
		expect(() => a.incr("", 1)).toThrow(CrdtInputError);
		expect(() => a.incr("k", 1.5)).toThrow(CrdtInputError);
		expect(() => a.add("s", "constructor")).toThrow(CrdtInputError);
		expect(() => a.set("r", Number.NaN)).toThrow(CrdtInputError);
		expect(() => new CrdtStore({ replica: "3", clock: () => 0 })).toThrow();
		expect(a.keys()).toEqual([]);
	});
});

describe("gossip adapter", () => {
	test("deltas travel, the interval is acknowledged, and later batches hold only new changes", () => {
		const { a, b, ga, gb } = pair();
		for (let i = 0; i < 1000; i++) a.incr("hits");
		gb.receive(1, ga.take(2, 1400));
		expect(b.count("hits")).toBe(1000);
		ga.receive(2, gb.take(1, 1400)); // carries b's ack
		expect(a.buffer.ackedBy(2)).toBeGreaterThan(0);
		a.incr("other");
		const next = ga.take(2, 1400) as { t: string; key?: string }[];
		expect(next.filter((i) => i.t === "d").map((i) => i.key)).toEqual(["other"]);
	});

	test("every batch stays within its byte budget; what does not fit goes out in turns", () => {
		const { a, b, ga, gb } = pair();
		for (let i = 0; i < 40; i++) a.incr(`hits:pop-${i}`);
		for (let round = 0; round < 20; round++) {
			const items = ga.take(2, 300);
			expect(new TextEncoder().encode(JSON.stringify(items)).byteLength).toBeLessThanOrEqual(300);
			gb.receive(1, items);
		}
		expect(b.keys()).toHaveLength(40);
	});

	test("malformed items are refused one by one, counted, logged; the rest applies", () => {
		const { b, gb, warnings } = pair();
		gb.receive(1, [
			{ t: "d", key: "k", kind: "pncounter", state: { p: { n1: -1 }, n: {} } },
			{ t: "d", key: "k", kind: "nope", state: {} },
			{ t: "zzz" },
			"garbage",
			{ t: "d", key: "ok", kind: "gcounter", state: { n1: 2 } },
			{
				t: "d",
				key: "s",
				kind: "orset",
				state: { entries: { x: [["n1", 9]] }, cc: { vv: {}, cloud: {} } },
			},
		]);
		expect(b.count("ok")).toBe(2);
		expect(b.keys()).toEqual(["ok"]);
		expect(gb.stats.rejected).toBe(5);
		expect(warnings).toHaveLength(5);
		gb.receive(1, "not an array" as unknown as unknown[]);
		expect(gb.stats.rejected).toBe(6);
	});

	test("a peer's state of another kind for a key is refused", () => {
		const { b, gb } = pair();
		b.add("k", "x");
		gb.receive(1, [{ t: "d", key: "k", kind: "gcounter", state: { n1: 1 } }]);
		expect(gb.stats.rejected).toBe(1);
		expect(b.get("k")).toEqual({ kind: "orset", value: ["x"] });
	});

	test("an LWW write stamped beyond the drift bound is refused", () => {
		const { b, gb } = pair();
		const far = { stamp: { wall: 1_000 + 3_600_000, logical: 0, replica: "n1" }, value: "future" };
		gb.receive(1, [{ t: "d", key: "r", kind: "lww", state: far }]);
		expect(gb.stats.rejected).toBe(1);
		expect(b.get("r")).toBeUndefined();
	});

	test("an LWW stamp with a logical count past 2^32 is refused; our next stamp stays shippable", () => {
		const { a, b, ga, gb } = pair();
		const absurd = {
			stamp: { wall: 1_000, logical: Number.MAX_SAFE_INTEGER, replica: "n1" },
			value: "pinned",
		};
		gb.receive(1, [{ t: "d", key: "r", kind: "lww", state: absurd }]);
		expect(gb.stats.rejected).toBe(1);
		expect(b.get("r")).toBeUndefined();
		// b's own write must still reach a: before, it was stamped 2^53 and refused there.
		b.set("r", "mine");
		ga.receive(2, gb.take(1, 1_400));
		expect(ga.stats.rejected).toBe(0);
		expect(a.get("r")).toEqual({ kind: "lww", value: "mine" });
	});

	test("digests: push-pull queues only what the peer misses, which rides the next take", () => {
		const { a, b, ga, gb } = pair();
		a.incr("shared");
		b.merge("shared", a.stateOf("shared") as never);
		a.incr("only-a");
		gb.mergeRemote(1, ga.localState()); // b has nothing a lacks
		expect(gb.stats.repairsQueued).toBe(0);
		ga.mergeRemote(2, JSON.parse(JSON.stringify(gb.localState())));
		expect(ga.stats.repairsQueued).toBe(1);
		ga.mergeRemote(2, { v: 1, digests: [{ key: "x", kind: "orset", digest: { vv: { n1: -3 } } }] });
		expect(ga.stats.rejected).toBe(1);
	});
});
