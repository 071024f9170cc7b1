import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	SYNTHETIC_SHAPES,
	syntheticIds,
	toTraceCsv,
	xorshift,
	zipfSampler,
} from "../../../scripts/trace/synthetic.ts";
import { parseTrace } from "../../../scripts/trace/trace-file.ts";

const SCRIPT = new URL("../../../scripts/trace-synthesize.ts", import.meta.url).pathname;

describe("synthetic traces", () => {
	test.each(SYNTHETIC_SHAPES)(
		"%s: the same seed gives the same trace, another seed another",
		(shape) => {
			const ids = syntheticIds(shape, 5_000, 1);
			expect(ids).toHaveLength(5_000);
			expect(syntheticIds(shape, 5_000, 1)).toEqual(ids);
			expect(syntheticIds(shape, 5_000, 2)).not.toEqual(ids);
			const trace = parseTrace(shape, toTraceCsv(ids));
			expect(trace.ids.length).toBe(5_000);
			expect(trace.uniqueObjects).toBe(new Set(ids).size);
		},
	);

	test("the Zipf sampler favours low ranks by the law's weights", () => {
		const draw = zipfSampler(100, 1, xorshift(7));
		const counts = new Array<number>(100).fill(0);
		for (let i = 0; i < 100_000; i++) {
			const rank = draw();
			counts[rank] = (counts[rank] as number) + 1;
		}
		// Rank 0 has weight 1 and rank 1 weight 1/2: about twice as often, give or take.
		const ratio = (counts[0] as number) / (counts[1] as number);
		expect(ratio).toBeGreaterThan(1.7);
		expect(ratio).toBeLessThan(2.3);
	});

	test("trace-synthesize writes one CSV per shape, and refuses bad arguments", async () => {
		const dir = mkdtempSync(join(tmpdir(), "synth-"));
		try {
			const ok = Bun.spawnSync([process.execPath, SCRIPT, dir, "--requests", "1000"]);
			expect(ok.exitCode).toBe(0);
			const files = readdirSync(dir).sort();
			expect(files).toEqual(SYNTHETIC_SHAPES.map((shape) => `synthetic_${shape}.csv`).sort());
			const zipf = readFileSync(join(dir, "synthetic_zipf.csv"), "utf8");
			expect(parseTrace("zipf", zipf).ids.length).toBe(1000);
			for (const args of [
				[dir, "--requests", "0"],
				[dir, "--requests", "many"],
				[],
				[dir, "--x"],
			]) {
				const bad = Bun.spawnSync([process.execPath, SCRIPT, ...args]);
				expect({ args, exit: bad.exitCode }).toEqual({ args, exit: 2 });
				expect(bad.stderr.toString()).toContain("usage:");
			}
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
