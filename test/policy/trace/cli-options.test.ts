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
	])("rejects %p with a usage error", (argv) => {
		expect(() => parseCliOptions(argv)).toThrow(CliUsageError);
	});
});
