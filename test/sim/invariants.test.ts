import { describe, expect, test } from "bun:test";
import { encodeCommand } from "../../cluster/kv/command.ts";
import { KvStore } from "../../cluster/kv/store.ts";
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

	describe("with snapshots every 2 entries", () => {
		const put = (i: number) =>
			encodeCommand({ client: 1, seq: i, op: { kind: "put", key: "k", value: `v${i}` } });
		const fresh = () => new Invariants(() => 0, { every: 2, newMachine: () => new KvStore() });
		/** The KV snapshot data after applying puts 1..index. */
		const stateAt = (index: number) => {
			const kv = new KvStore();
			for (let i = 1; i <= index; i++) kv.apply(i, put(i));
			return kv.snapshot().data;
		};

		test("a snapshot or restore that matches the committed entries passes", () => {
			const inv = fresh();
			inv.started(1);
			for (let i = 1; i <= 4; i++) inv.applied(1, entry(i, 1, put(i)));
			inv.snapshotted(1, 4, stateAt(4));
			inv.restored(2, 2, stateAt(2));
			inv.applied(2, entry(3, 1, put(3)));
			expect(inv.failures).toEqual([]);
			expect(inv.appliedBy(2)).toBe(3);
		});

		test("a restored state that differs from the committed entries' is reported", () => {
			const inv = fresh();
			inv.started(1);
			for (let i = 1; i <= 2; i++) inv.applied(1, entry(i, 1, put(i)));
			inv.restored(2, 2, stateAt(1).replace('"index":1', '"index":2'));
			expect(inv.failures[0]).toContain("node 2 restored at 2");
		});

		test("a snapshot past the committed end, or off the schedule, is reported", () => {
			const inv = fresh();
			inv.started(1);
			inv.applied(1, entry(1, 1, put(1)));
			inv.restored(2, 4, stateAt(4));
			expect(inv.failures[0]).toContain("past the committed end 1");
			inv.snapshotted(1, 1, stateAt(1));
			expect(inv.failures[1]).toContain("not a multiple of 2");
		});
	});
});
