import { describe, expect, test } from "bun:test";
import { CliUsageError, parseCliOptions } from "../../../scripts/trace/cli-options.ts";

describe("parseCliOptions", () => {
	test("defaults to 10% in count mode", () => {
		const options = parseCliOptions(["t.csv"]);
		expect(options).toMatchObject({ path: "t.csv", fractions: [0.1], bytes: false, all: false });
	});

	test("takes a list of sizes as percentages or fractions", () => {
		expect(parseCliOptions(["t.csv", "--size", "1%,10%, 0.3", "--bytes"]).fractions).toEqual([
			0.01, 0.1, 0.3,
		]);
		expect(parseCliOptions(["t.csv", "--bytes"]).bytes).toBe(true);
	});

	test("a percentage is the same number as the fraction written out (libCacheSim parses that)", () => {
		// 0.7 / 100 is 0.006999999999999999, which floors 0.7% of 1000 objects to 6, not 7.
		expect(parseCliOptions(["t.csv", "--size", "0.7%,12.3%,30%,100%"]).fractions).toEqual([
			0.007, 0.123, 0.3, 1,
		]);
	});

	test("--all runs 1%, 10% and 30%", () => {
		expect(parseCliOptions(["dir", "--all"]).fractions).toEqual([0.01, 0.1, 0.3]);
	});

	test.each([
		[["t.csv", "--size", "abc"]],
		[["t.csv", "--size", "0%"]],
		[["t.csv", "--size", "150%"]],
		[["t.csv", "--frobnicate"]],
		[["t.csv", "--size"]],
		[[]],
		[["a.csv", "b.csv"]],
		[["t.csv", "--size", "1%", "--size", "10%"]],
	])("rejects %p with a usage error", (argv) => {
		expect(() => parseCliOptions(argv)).toThrow(CliUsageError);
	});
});
