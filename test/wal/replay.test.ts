import { describe, expect, test } from "bun:test";
import { WalCorruptError } from "../../cluster/wal/errors.ts";
import type { WalRecord } from "../../cluster/wal/record.ts";
import { type ParsedSegment, replay } from "../../cluster/wal/replay.ts";
import { entries, triples } from "./helpers.ts";

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

function corruption(f: () => unknown): WalCorruptError {
	try {
		f();
	} catch (error) {
		if (error instanceof WalCorruptError) return error;
		throw error;
	}
	throw new Error("expected a WalCorruptError");
}

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
		} as const;
		const state = replay(
			[
				segment(5, 6, [old, ...put(6, 8, 1)]),
				segment(6, 9, [
					old,
					...put(9, 9, 1),
					{ type: "snapshot", snapshot: { index: 7, term: 1, dataCrc: 0, keepLog: true } },
				]),
			],
			true,
		);
		expect(state.entries().map((e) => e.index)).toEqual([8, 9]);
		expect(state.base).toBe(7);
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
