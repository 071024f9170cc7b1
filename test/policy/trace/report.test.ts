import { describe, expect, test } from "bun:test";
import { describeTable } from "../../../scripts/trace/report.ts";
import type { CellResult } from "../../../scripts/trace/run-cell.ts";

function cell(trace: string, lru: number, ours: number, opt: number): CellResult {
	const result = (policy: string, misses: number) => ({
		policy,
		requests: 100_000,
		misses,
		missedBytes: misses,
		requestedBytes: 100_000,
	});
	return {
		trace,
		mode: "count",
		fraction: 0.1,
		capacity: 100,
		lru: result("LRU", lru),
		ours: result("s3-fifo", ours),
		optMisses: opt,
		candidates: [],
	};
}

describe("describeTable", () => {
	test("a cell where LRU is (as good as) optimal shows no closure and stays out of the mean", () => {
		const table = describeTable(
			[cell("gap", 50_000, 45_000, 40_000), cell("no-gap", 30_002, 31_000, 30_000)],
			[],
		);
		expect(table).toContain("LRU ~ OPT");
		// Only the cell with a gap counts: 50% closed there.
		expect(table).toContain("mean gap closure over 1 count-mode cells: ours 50.0%");
		expect(table).toContain("1 more where LRU is within 0.1% of OPT, left out");
		expect(table).toContain("best reference policy per cell n/a");
	});

	test("cells where ours misses more than LRU are named with the excess", () => {
		const table = describeTable(
			[cell("fine", 50_000, 45_000, 40_000), cell("worse", 50_000, 50_700, 40_000)],
			[],
		);
		expect(table).toContain("ours below LRU in 1 of 2 count-mode cells");
		expect(table).toContain("ours above LRU in: worse 10.0% (+700)");
		expect(table).toContain("-7.0%");
	});
});
