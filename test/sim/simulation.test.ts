import { describe, expect, test } from "bun:test";
import { runSimulation, scenarioFor } from "../../cluster/sim/simulation.ts";

/** Seeds run on every `npm test`; `npm run sim -- --seeds N` runs as many as you like. */
const CI_SEEDS = 200;

describe("deterministic simulation", () => {
	test("the same seed replays the same run", () => {
		const a = runSimulation(scenarioFor(7));
		const b = runSimulation(scenarioFor(7));
		expect(b.stats).toEqual(a.stats);
		expect(runSimulation(scenarioFor(8)).stats).not.toEqual(a.stats);
	});

	test("runs see faults, elections, commits and client answers", () => {
		const total = { dropped: 0, crashes: 0, partitions: 0, leaderTerms: 0, committed: 0, opsOk: 0 };
		for (let seed = 1; seed <= 5; seed++) {
			const { stats, ok } = runSimulation(scenarioFor(seed));
			expect(ok).toBe(true);
			for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += stats[key];
		}
		expect(total.dropped).toBeGreaterThan(0);
		expect(total.crashes).toBeGreaterThan(0);
		expect(total.partitions).toBeGreaterThan(0);
		expect(total.leaderTerms).toBeGreaterThan(5);
		expect(total.committed).toBeGreaterThan(100);
		expect(total.opsOk).toBeGreaterThan(100);
	});

	test("a trace names role changes, crashes and partitions", () => {
		const lines: string[] = [];
		runSimulation(scenarioFor(3), (line) => lines.push(line));
		expect(lines.some((l) => / node \d: leader term \d+/.test(l))).toBe(true);
		expect(lines.some((l) => l.includes(": crash"))).toBe(true);
		expect(lines.some((l) => l.includes("heal phase"))).toBe(true);
	});

	test(`${CI_SEEDS} seeds: one leader per term, committed entries kept, linearizable clients`, () => {
		const failed: string[] = [];
		for (let seed = 1; seed <= CI_SEEDS; seed++) {
			const result = runSimulation(scenarioFor(seed));
			if (!result.ok) failed.push(`seed ${seed}: ${result.failures[0]}`);
		}
		expect(failed).toEqual([]);
	}, 60_000);

	test(`${CI_SEEDS} seeds with nodes driven as the real member drives them (pipelined)`, () => {
		const failed: string[] = [];
		let answered = 0;
		for (let seed = 1; seed <= CI_SEEDS; seed++) {
			const result = runSimulation({ ...scenarioFor(seed), pipelined: true });
			if (!result.ok) failed.push(`seed ${seed}: ${result.failures[0]}`);
			answered += result.stats.opsOk;
		}
		expect(failed).toEqual([]);
		expect(answered).toBeGreaterThan(1000);
	}, 60_000);
});
