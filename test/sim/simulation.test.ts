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
		const total = {
			dropped: 0,
			crashes: 0,
			partitions: 0,
			leaderTerms: 0,
			committed: 0,
			opsOk: 0,
			snapshotsTaken: 0,
			snapshotsInstalled: 0,
		};
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
		// Nodes compact their logs, and lagging or restarted ones catch up from a snapshot.
		expect(total.snapshotsTaken).toBeGreaterThan(10);
		expect(total.snapshotsInstalled).toBeGreaterThan(0);
	});

	test("a snapshot sent in many small chunks to a node that crashed and missed them", () => {
		// Small snapshots and chunks, so installs take several chunks; every seed must pass.
		let installed = 0;
		for (let seed = 1; seed <= 20; seed++) {
			const base = scenarioFor(seed);
			const scenario = { ...base, snapshotEvery: 5, core: { ...base.core, snapshotChunkSize: 16 } };
			const result = runSimulation(scenario);
			expect(result.failures).toEqual([]);
			installed += result.stats.snapshotsInstalled;
		}
		expect(installed).toBeGreaterThan(10);
	});

	test("a trace names role changes, crashes and partitions", () => {
		const lines: string[] = [];
		runSimulation(scenarioFor(3), (line) => lines.push(line));
		expect(lines.some((l) => / node \d: leader term \d+/.test(l))).toBe(true);
		expect(lines.some((l) => l.includes(": crash"))).toBe(true);
		expect(lines.some((l) => l.includes("heal phase"))).toBe(true);
	});

	test(`${CI_SEEDS} seeds: one leader per term, committed entries kept, snapshots match them, linearizable clients`, () => {
		const failed: string[] = [];
		for (let seed = 1; seed <= CI_SEEDS; seed++) {
			const result = runSimulation(scenarioFor(seed));
			if (!result.ok) failed.push(`seed ${seed}: ${result.failures[0]}`);
		}
		expect(failed).toEqual([]);
	}, 60_000);
});
