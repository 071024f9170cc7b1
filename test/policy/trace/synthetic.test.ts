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

	test("lru-stack reuses by recency: once the stack is deep, about a tenth new, the rest near its top", () => {
		const ids = syntheticIds("lru-stack", 60_000, 1);
		const stack: number[] = []; // most recent last
		const depths: number[] = [];
		let lateFresh = 0;
		for (const [at, id] of ids.entries()) {
			const held = stack.lastIndexOf(id);
			if (held >= 0) {
				depths.push(stack.length - 1 - held);
				stack.splice(held, 1);
			} else if (at >= 40_000) lateFresh++;
			stack.push(id);
		}
		// Early on many draws fall below the stack's bottom and make new objects too.
		expect(lateFresh / 20_000).toBeGreaterThan(0.09);
		expect(lateFresh / 20_000).toBeLessThan(0.2); // 0.1 plus draws still below the bottom
		expect(Math.max(...depths)).toBeLessThan(20_000);
		// Nearer is likelier (the cube of a uniform draw): about half the reuses are under 2,000.
		const shallow = depths.filter((depth) => depth < 2_000).length / depths.length;
		expect(shallow).toBeGreaterThan(0.45);
		expect(shallow).toBeLessThan(0.65);
	});

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
