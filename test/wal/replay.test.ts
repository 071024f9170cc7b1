import { describe, expect, test } from "bun:test";
import type { WalRecord } from "../../cluster/wal/record.ts";
import { type ParsedSegment, replay } from "../../cluster/wal/replay.ts";
import { corruption, entries, triples } from "./helpers.ts";

function segment(seq: number, firstIndex: number, records: WalRecord[]): ParsedSegment {
	return {
		name: `seg${seq}`,
		header: { seq, firstIndex },
		records: records.map((record, i) => ({ record, offset: 32 + i * 100 })),
		validLength: 32 + records.length * 100,
	};
}

const put = (from: number, to: number, term: number): WalRecord[] =>
	entries(from, to, term).map((entry) => ({ type: "entry", entry }));

describe("replay", () => {
	test("no segment is an empty log", () => {
		const state = replay([], true);
		expect(state.entries()).toEqual([]);
		expect(state.hardState).toBeUndefined();
	});

	test("entries, truncations and hard states across segments, last hard state wins", () => {
		const state = replay(
			[
				segment(0, 1, [
					...put(1, 3, 1),
					{ type: "hardState", hardState: { term: 1, vote: 2, commit: 1 } },
				]),
				segment(1, 4, [
					{ type: "hardState", hardState: { term: 1, vote: 2, commit: 1 } },
					...put(4, 5, 1),
					{ type: "truncate", from: 3 },
					...put(3, 3, 2),
					{ type: "hardState", hardState: { term: 2, vote: 3, commit: 2 } },
				]),
			],
			true,
		);
		expect(triples(state.entries())).toEqual([
			[1, 1, "1@1"],
			[2, 1, "2@1"],
			[3, 2, "3@2"],
		]);
		expect(state.hardState).toEqual({ term: 2, vote: 3, commit: 2 });
	});

	test("after compaction the oldest kept segment may start past an older snapshot", () => {
		const old = {
			type: "snapshot",
			snapshot: { index: 2, term: 1, dataCrc: 0, keepLog: true },
			restated: true,
		} as const;
		const state = replay(
			[
				segment(5, 6, [old, ...put(6, 8, 1)]),
				segment(6, 9, [
					old,
					...put(9, 9, 1),
					{
						type: "snapshot",
						snapshot: { index: 7, term: 1, dataCrc: 0, keepLog: true },
						restated: false,
					},
				]),
			],
			true,
		);
		expect(state.entries().map((e) => e.index)).toEqual([8, 9]);
		expect(state.base).toBe(7);
	});

	test("a restated snapshot that once replaced the log does not replace it again", () => {
		// Snapshot 1 dropped the log when it was saved; the segment after it restates it.
		const restated: WalRecord = {
			type: "snapshot",
			snapshot: { index: 1, term: 2, dataCrc: 0, keepLog: false },
			restated: true,
		};
		const state = replay([segment(1, 2, [restated, ...put(2, 3, 2)])], true);
		expect(state.base).toBe(1);
		expect(state.entries().map((e) => e.index)).toEqual([2, 3]);
		// It does not cover a hole either: entries 2..3 are in no file.
		const hole = corruption(() => replay([segment(1, 4, [restated, ...put(4, 5, 2)])], true));
		expect(hole.reason).toContain("entries 2..3 are missing");
	});

	test("a restatement that is not the snapshot in force, or that follows the entries, is corruption", () => {
		const ref = { index: 2, term: 1, dataCrc: 0, keepLog: true };
		const other = corruption(() =>
			replay(
				[
					segment(0, 1, [
						...put(1, 3, 1),
						{ type: "snapshot", snapshot: ref, restated: false },
						{ type: "snapshot", snapshot: { ...ref, index: 3 }, restated: true },
					]),
				],
				true,
			),
		);
		expect(other.reason).toContain(
			"restates snapshot 3 (term 1), but snapshot 2 (term 1) is in force",
		);
		const late = corruption(() =>
			replay([segment(0, 1, [{ type: "snapshot", snapshot: ref, restated: true }])], true),
		);
		expect(late.reason).toContain("does not precede the oldest entry (1)");
	});

	test("a missing segment in the middle is corruption", () => {
		const error = corruption(() =>
			replay([segment(0, 1, put(1, 2, 1)), segment(2, 3, put(3, 3, 1))], true),
		);
		expect(error.file).toBe("seg2");
		expect(error.reason).toContain("a segment is missing");
	});

	test("a segment whose first index does not follow the log is corruption", () => {
		const error = corruption(() =>
			replay([segment(0, 1, put(1, 2, 1)), segment(1, 5, put(5, 5, 1))], true),
		);
		expect(error.reason).toContain("starts at index 5, the log before it ends at 2");
	});

	test("a record breaking a rule is corruption at its offset", () => {
		const error = corruption(() =>
			replay([segment(0, 1, [...put(1, 2, 1), ...put(4, 4, 1)])], true),
		);
		expect(error.file).toBe("seg0");
		expect(error.offset).toBe(232);
		expect(error.reason).toContain("leaves a gap");
	});

	test("a first segment past index 1 with no snapshot means segments were lost", () => {
		const error = corruption(() => replay([segment(3, 10, put(10, 11, 1))], true));
		expect(error.reason).toContain("entries 1..9 are missing");
	});
});
