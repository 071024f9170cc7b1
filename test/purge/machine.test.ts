import { describe, expect, test } from "bun:test";
import { encodePurgeCommand } from "../../cluster/purge/command.ts";
import { PurgeMachine, purgeResult } from "../../cluster/purge/machine.ts";
import { encodePurgeSnapshot } from "../../cluster/purge/snapshot-codec.ts";
import { SnapshotError } from "../../cluster/raft/state-machine.ts";
import type { PurgeRequest } from "../../edge/purge.ts";

function recording(historyLimit?: number) {
	const executed: [PurgeRequest, number][] = [];
	const gaps: [number, number][] = [];
	const machine = new PurgeMachine({
		effect: (purge, index) => executed.push([purge, index]),
		onGap: (after, through) => gaps.push([after, through]),
		...(historyLimit === undefined ? {} : { historyLimit }),
	});
	return { machine, executed, gaps };
}

const entry = (client: number, seq: number, purge: PurgeRequest) =>
	encodePurgeCommand({ client, seq, purge });

describe("purge state machine", () => {
	test("a tag purge stored before clients' tags were checked for delimiters still applies", () => {
		// The APIs now refuse {"tag": "a,b"} (it could match nothing), but a log or snapshot
		// written earlier may hold one: refusing it here would stop the log from applying.
		const { machine, executed } = recording();
		const stored = machine.apply(1, entry(7, 1, { tag: "a,b" }));
		expect(purgeResult(stored)).toEqual({ index: 1, duplicate: false });
		// Likewise a prefix with a query, which the APIs refuse now too.
		const prefix = machine.apply(2, entry(7, 2, { prefix: "http://cdn.test/s?q=a" }));
		expect(purgeResult(prefix)).toEqual({ index: 2, duplicate: false });
		expect(executed).toEqual([
			[{ tag: "a,b" }, 1],
			[{ prefix: "http://cdn.test/s?q=a" }, 2],
		]);
	});

	test("a URL, a tag and a prefix purge are recorded with their index and executed once each", () => {
		const { machine, executed } = recording();
		const url = machine.apply(1, entry(7, 1, { url: "http://cdn.test/a", soft: true }));
		machine.apply(2, "");
		const tag = machine.apply(3, entry(7, 2, { tag: "page-1" }));
		const prefix = machine.apply(4, entry(8, 1, { prefix: "http://cdn.test/img/" }));
		expect(purgeResult(url)).toEqual({ index: 1, duplicate: false });
		expect(purgeResult(tag)).toEqual({ index: 3, duplicate: false });
		expect(purgeResult(prefix)).toEqual({ index: 4, duplicate: false });
		expect(executed).toEqual([
			[{ url: "http://cdn.test/a", soft: true }, 1],
			[{ tag: "page-1" }, 3],
			[{ prefix: "http://cdn.test/img/" }, 4],
		]);
		expect(machine.recent().map((r) => r.index)).toEqual([1, 3, 4]);
		expect(machine.lastPurgeIndex).toBe(4);
		expect(machine.appliedIndex).toBe(4);
	});

	test("a retried purge (same client and seq) is a duplicate: not executed again, first index", () => {
		const { machine, executed } = recording();
		machine.apply(1, entry(7, 1, { tag: "t" }));
		const again = machine.apply(2, entry(7, 1, { tag: "t" }));
		expect(again.kind).toBe("duplicate");
		expect(purgeResult(again)).toEqual({ index: 1, duplicate: true });
		expect(executed).toHaveLength(1);
		expect(machine.recent()).toHaveLength(1);
	});

	test("the history is bounded; a retry older than it runs again (purges are idempotent)", () => {
		const { machine, executed } = recording(2);
		machine.apply(1, entry(1, 1, { tag: "a" }));
		machine.apply(2, entry(2, 1, { tag: "b" }));
		machine.apply(3, entry(3, 1, { tag: "c" }));
		expect(machine.recent().map((r) => r.index)).toEqual([2, 3]);
		expect(machine.apply(4, entry(1, 1, { tag: "a" })).kind).toBe("purged");
		expect(executed).toHaveLength(4);
	});

	test.each([
		["not JSON", "{purge"],
		["no session", JSON.stringify({ purge: { tag: "t" } })],
		["a zero client", JSON.stringify({ client: 0, seq: 1, purge: { tag: "t" } })],
		["an empty tag", entry(1, 1, { tag: "" })],
		["a relative URL", JSON.stringify({ client: 1, seq: 1, purge: { url: "/a" } })],
		["a non-http URL", JSON.stringify({ client: 1, seq: 1, purge: { url: "ftp://x/a" } })],
		[
			"url and tag at once",
			JSON.stringify({ client: 1, seq: 1, purge: { url: "http://x/", tag: "t" } }),
		],
		["an unknown field", JSON.stringify({ client: 1, seq: 1, purge: { tag: "t" }, x: 1 })],
		["soft not a boolean", JSON.stringify({ client: 1, seq: 1, purge: { tag: "t", soft: "yes" } })],
	])("%s is rejected with a reason, fills its index and executes nothing", (_name, data) => {
		const { machine, executed } = recording();
		const applied = machine.apply(1, data);
		expect(applied.kind).toBe("rejected");
		if (applied.kind === "rejected") expect(applied.message).toMatch(/purge entry/);
		expect(purgeResult(applied)).toBeUndefined();
		expect(machine.appliedIndex).toBe(1);
		expect(executed).toEqual([]);
		expect(machine.recent()).toEqual([]);
	});

	test("an index out of order throws and changes nothing", () => {
		const { machine } = recording();
		expect(() => machine.apply(2, entry(1, 1, { tag: "t" }))).toThrow(/out of order/);
		expect(machine.appliedIndex).toBe(0);
		expect(machine.recent()).toEqual([]);
	});

	test("an effect that throws leaves the purge recorded and says why", () => {
		const machine = new PurgeMachine({
			effect: () => {
				throw new Error("tier closed");
			},
		});
		const applied = machine.apply(1, entry(1, 1, { tag: "t" }));
		expect(applied).toMatchObject({ kind: "purged", effectError: "tier closed" });
		expect(machine.lastPurgeIndex).toBe(1);
	});

	test("a snapshot round trip keeps the history, its index and duplicate detection", () => {
		const { machine } = recording(3);
		for (let i = 1; i <= 5; i++) machine.apply(i, entry(i, 1, { tag: `t${i}` }));
		const snapshot = machine.snapshot();
		const { machine: copy } = recording(3);
		copy.restore(snapshot);
		expect(copy.snapshot()).toEqual(snapshot);
		expect(copy.appliedIndex).toBe(5);
		expect(copy.apply(6, entry(5, 1, { tag: "t5" })).kind).toBe("duplicate");
	});

	test("restoring runs the purges this node had not applied, in order, and reports a gap", () => {
		const { machine: leader } = recording(2);
		for (let i = 1; i <= 4; i++) leader.apply(i, entry(i, 1, { tag: `t${i}` }));
		const behind = recording(2);
		behind.machine.apply(1, entry(1, 1, { tag: "t1" }));
		behind.executed.length = 0;
		behind.machine.restore(leader.snapshot());
		// The history holds 3 and 4; 2 was forgotten: a gap after index 1, through 2.
		expect(behind.executed).toEqual([
			[{ tag: "t3" }, 3],
			[{ tag: "t4" }, 4],
		]);
		expect(behind.gaps).toEqual([[1, 2]]);

		const close = recording(2);
		for (let i = 1; i <= 3; i++) close.machine.apply(i, entry(i, 1, { tag: `t${i}` }));
		close.executed.length = 0;
		close.machine.restore(leader.snapshot());
		expect(close.executed).toEqual([[{ tag: "t4" }, 4]]);
		expect(close.gaps).toEqual([]);
	});

	const good = encodePurgeSnapshot(3, {
		forgottenThrough: 0,
		history: [{ index: 2, client: 1, seq: 1, purge: { tag: "t" } }],
	});
	test.each([
		["not JSON", "{"],
		["truncated", good.slice(0, good.length - 5)],
		["another format", good.replace("neurocache-purge/1", "neurocache-kv/1")],
		["another index", good.replace('"index":3', '"index":4')],
		["a bad purge inside", good.replace('"tag":"t"', '"tag":""')],
		[
			"history out of order",
			encodePurgeSnapshot(3, {
				forgottenThrough: 0,
				history: [
					{ index: 2, client: 1, seq: 1, purge: { tag: "t" } },
					{ index: 2, client: 2, seq: 1, purge: { tag: "u" } },
				],
			}),
		],
		[
			"history past its index",
			encodePurgeSnapshot(3, {
				forgottenThrough: 0,
				history: [{ index: 4, client: 1, seq: 1, purge: { tag: "t" } }],
			}),
		],
		["forgetting past its index", encodePurgeSnapshot(3, { forgottenThrough: 4, history: [] })],
	])("a snapshot that is %s is refused and changes nothing", (_name, data) => {
		expect(data).not.toBe(good);
		const { machine, executed } = recording();
		machine.apply(1, entry(9, 1, { tag: "mine" }));
		const before = machine.snapshot();
		expect(() => machine.restore({ index: 3, data })).toThrow(SnapshotError);
		expect(machine.snapshot()).toEqual(before);
		expect(executed).toHaveLength(1);
	});
});
