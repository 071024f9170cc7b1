import { describe, expect, test } from "bun:test";
import { median, summarize } from "../../scripts/bench-startup/summary.ts";

describe("bench-startup summary", () => {
	test("median of odd and even counts, unsorted input", () => {
		expect(median([30, 10, 20])).toBe(20);
		expect(median([40, 10, 30, 20])).toBe(25);
		expect(median([])).toBeNaN();
	});

	test("prints both medians, the ratio and the target; met under 100 ms", () => {
		const summary = summarize(
			{ listeningMs: [30, 32, 31], first200Ms: [50, 40, 45] },
			{ listeningMs: [100, 90, 95], first200Ms: [135, 120, 130] },
		);
		expect(summary.met).toBe(true);
		expect(summary.lines.join("\n")).toContain(
			"POP binary          45.0 ms   (listening after 31.0 ms)",
		);
		expect(summary.lines.join("\n")).toContain("bun run node.ts     130.0 ms");
		expect(summary.lines.join("\n")).toContain("bun run / binary = 2.89x");
		expect(summary.lines.at(-1)).toBe(
			"MET    POP binary first 200 in 45.0 ms (target under 100 ms)",
		);
	});

	test("a binary median at or over 100 ms misses", () => {
		const slow = { listeningMs: [90], first200Ms: [100] };
		const summary = summarize(slow, slow);
		expect(summary.met).toBe(false);
		expect(summary.lines.at(-1)).toStartWith("MISSED");
	});
});
