import { describe, expect, test } from "bun:test";
import { Invariants } from "../../cluster/sim/invariants.ts";

const entry = (index: number, term: number, data = `e${index}`) => ({ index, term, data });

describe("simulation invariants", () => {
	test("two leaders in one term are reported; leaders of different terms are not", () => {
		const inv = new Invariants(() => 0);
		inv.leader(1, 1);
		inv.leader(1, 1);
		inv.leader(2, 3);
		expect(inv.failures).toEqual([]);
		inv.leader(2, 2);
		expect(inv.failures).toEqual(["t=0: two leaders in term 2: 3 and 2"]);
	});

	test("nodes applying one sequence, at their own pace and across restarts, pass", () => {
		const inv = new Invariants(() => 0);
		inv.started(1);
		inv.started(2);
		inv.applied(1, entry(1, 1));
		inv.applied(1, entry(2, 1));
		inv.applied(2, entry(1, 1));
		inv.started(1); // a restart re-applies from index 1
		inv.applied(1, entry(1, 1));
		expect(inv.failures).toEqual([]);
		expect(inv.committedLength).toBe(2);
		expect(inv.appliedBy(1)).toBe(1);
	});

	test("a committed entry applied differently elsewhere is reported", () => {
		const inv = new Invariants(() => 5);
		inv.started(1);
		inv.started(2);
		inv.applied(1, entry(1, 1, "a"));
		inv.applied(2, entry(1, 2, "b"));
		expect(inv.failures[0]).toContain("node 2 applied (index 1, term 2");
	});

	test("a gap in a node's applied sequence is reported", () => {
		const inv = new Invariants(() => 0);
		inv.started(1);
		inv.applied(1, entry(1, 1));
		inv.applied(1, entry(3, 1));
		expect(inv.failures.join()).toContain("node 1 applied index 3, expected 2");
	});
});
