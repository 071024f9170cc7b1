import { describe, expect, test } from "bun:test";
import { LogRuleError, LogState } from "../../cluster/wal/log-state.ts";
import { entries, triples } from "./helpers.ts";

function stateWith(from: number, to: number, term: number): LogState {
	const state = new LogState(from, true);
	for (const entry of entries(from, to, term)) state.applyEntry(entry);
	return state;
}

describe("LogState appends", () => {
	test("contiguous entries append; a gap, a term going back or a bad number is refused", () => {
		const state = stateWith(1, 3, 2);
		expect(state.checkAppend(entries(4, 5, 2))).toBeUndefined();
		expect(state.checkAppend(entries(5, 5, 2))).toContain("leaves a gap");
		expect(state.checkAppend(entries(4, 4, 1))).toContain("below the term before it");
		expect(state.checkAppend([...entries(4, 4, 2), ...entries(6, 6, 2)])).toContain(
			"not contiguous",
		);
		expect(state.checkAppend([{ index: 4, term: 0, data: new Uint8Array() }])).toContain(
			"terms start at 1",
		);
		expect(state.checkAppend([{ index: 4.5, term: 2, data: new Uint8Array() }])).toContain(
			"safe integers",
		);
		const notBytes = { index: 4, term: 2, data: "x" as unknown as Uint8Array };
		expect(state.checkAppend([notBytes])).toContain("not bytes");
	});

	test("an overlap needs a truncate first; then the suffix is replaced", () => {
		const state = stateWith(1, 5, 1);
		expect(state.overwrites(entries(4, 4, 2))).toBe(true);
		expect(() => state.applyEntry(entries(4, 4, 2)[0] as never)).toThrow(
			"without a truncate record",
		);
		state.applyTruncate(4);
		state.applyEntry(entries(4, 4, 2)[0] as never);
		expect(triples(state.entries())).toEqual([
			[1, 1, "1@1"],
			[2, 1, "2@1"],
			[3, 1, "3@1"],
			[4, 2, "4@2"],
		]);
	});

	test("truncate outside first..last+1 or into the snapshot is refused", () => {
		const state = stateWith(1, 5, 1);
		expect(() => state.applyTruncate(7)).toThrow(LogRuleError);
		state.applySnapshot({ index: 3, term: 1, dataCrc: 0, keepLog: true });
		expect(() => state.applyTruncate(3)).toThrow("outside the entries after the snapshot");
		state.applyTruncate(4);
		expect(state.last).toBe(3);
	});
});

describe("LogState hard state", () => {
	test("term and commit never go back", () => {
		const state = new LogState(1, false);
		state.applyHardState({ term: 3, vote: 1, commit: 5 });
		expect(() => state.applyHardState({ term: 2, vote: 1, commit: 5 })).toThrow("term goes back");
		expect(() => state.applyHardState({ term: 3, vote: 1, commit: 4 })).toThrow("commit goes back");
		expect(() => state.applyHardState({ term: -1, vote: 1, commit: 4 })).toThrow("non-negative");
		expect(state.hardState).toEqual({ term: 3, vote: 1, commit: 5 });
		state.applyHardState({ term: 4, vote: 0, commit: 5 });
		expect(state.hardState?.term).toBe(4);
	});
});

describe("LogState snapshots", () => {
	test("a snapshot the log agrees with keeps the entries after it", () => {
		const state = stateWith(1, 6, 1);
		expect(state.agreesWith(4, 1)).toBe(true);
		state.applySnapshot({ index: 4, term: 1, dataCrc: 0, keepLog: true });
		expect(triples(state.entries()).map((t) => t[0])).toEqual([5, 6]);
		expect(state.first).toBe(5);
		expect(state.checkAppend(entries(7, 7, 1))).toBeUndefined();
		expect(state.checkAppend(entries(4, 4, 1))).toContain("at or below the snapshot");
	});

	test("a snapshot that replaces the log drops every entry", () => {
		const state = stateWith(1, 6, 1);
		expect(state.agreesWith(4, 2)).toBe(false);
		state.applySnapshot({ index: 4, term: 2, dataCrc: 0, keepLog: false });
		expect(state.entries()).toEqual([]);
		expect(state.last).toBe(4);
		expect(state.checkAppend(entries(5, 5, 2))).toBeUndefined();
	});

	test("a keep-log record the entries contradict is refused", () => {
		const state = stateWith(1, 6, 1);
		expect(() => state.applySnapshot({ index: 4, term: 2, dataCrc: 0, keepLog: true })).toThrow(
			"kept a log whose entry there has term 1",
		);
		expect(() => state.applySnapshot({ index: 9, term: 1, dataCrc: 0, keepLog: true })).toThrow(
			"kept a log that ends at 6",
		);
	});

	test("a snapshot not newer than the one in force is refused; a restatement changes nothing", () => {
		const state = stateWith(1, 6, 1);
		const ref = { index: 4, term: 1, dataCrc: 7, keepLog: true };
		state.applySnapshot(ref);
		expect(() => state.applySnapshot(ref)).toThrow("not newer");
		expect(() => state.applySnapshot({ ...ref, index: 3 })).toThrow("not newer");
		state.restateSnapshot({ ...ref, keepLog: false });
		expect(state.last).toBe(6);
		expect(state.entries().map((e) => e.index)).toEqual([5, 6]);
		expect(() => state.restateSnapshot({ ...ref, dataCrc: 8 })).toThrow("is in force");
	});

	test("entries missing between the snapshot and the oldest segment make the state incomplete", () => {
		const state = stateWith(10, 12, 1);
		expect(state.checkComplete()).toContain("entries 1..9 are missing");
		state.applySnapshot({ index: 9, term: 1, dataCrc: 0, keepLog: true });
		expect(state.checkComplete()).toBeUndefined();
		expect(state.entries().map((e) => e.index)).toEqual([10, 11, 12]);
	});
});
