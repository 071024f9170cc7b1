import { describe, expect, test } from "bun:test";
import { gossipTags } from "../../cluster/gossip/datagram-tag.ts";
import { scenarioFor } from "../../cluster/gossip/sim/scenario.ts";
import { runGossipSimulation } from "../../cluster/gossip/sim/simulation.ts";
import { ClusterSecret } from "../../cluster/transport/cluster-secret.ts";
import {
	CliUsageError,
	parseSimGossipOptions,
	replayCommand,
} from "../../scripts/sim-gossip/cli-options.ts";

function expectPasses(result: ReturnType<typeof runGossipSimulation>): void {
	if (!result.ok) {
		throw new Error(
			`seed ${result.seed} failed: ${result.failures.join("; ")}\n  replay: bun run scripts/sim-gossip.ts --seeds 1 --seed ${result.seed} --trace`,
		);
	}
	expect(result.failures).toEqual([]);
}

describe("gossip simulation (CI subset; `bun run scripts/sim-gossip.ts --seeds N` runs more)", () => {
	test("5 nodes at 5% loss: converges, crash detected within the bound, no false positive", () => {
		for (let seed = 1; seed <= 12; seed++) {
			const result = runGossipSimulation(scenarioFor(seed, { nodes: 5, drop: 0.05 }));
			expectPasses(result);
			expect(result.stats.falsePositives).toBe(0);
			expect(result.stats.worstDetectionPeriods).toBeGreaterThan(0);
			expect(result.stats.worstDetectionPeriods).toBeLessThanOrEqual(result.stats.boundPeriods);
		}
	}, 30_000);

	test("20 nodes at 5% loss", () => {
		for (let seed = 1; seed <= 4; seed++) {
			const result = runGossipSimulation(scenarioFor(seed, { nodes: 20, drop: 0.05 }));
			expectPasses(result);
			expect(result.stats.falsePositives).toBe(0);
		}
	}, 30_000);

	test("seeds as drawn (sizes, 5-20% loss, partitions)", () => {
		let partitioned = 0;
		for (let seed = 100; seed < 108; seed++) {
			const result = runGossipSimulation(scenarioFor(seed));
			expectPasses(result);
			if (result.stats.partitioned) partitioned++;
		}
		expect(partitioned).toBeGreaterThan(0);
	}, 30_000);

	test("seeds that once failed: a live member declared dead at 5% loss (671, 1713, 1834, 5409), a leaver left dead (1838, 3604, 4297)", () => {
		for (const seed of [671, 1713, 1834, 1838, 3604, 4297, 5409]) {
			const result = runGossipSimulation(scenarioFor(seed));
			expectPasses(result);
			if (result.stats.drop <= 0.05) expect(result.stats.falsePositives).toBe(0);
		}
	}, 30_000);

	test("through the codec with a cluster secret's tags: the same runs as without the wire", () => {
		const secret = ClusterSecret.fromBytes(new TextEncoder().encode("sim-secret-".repeat(4)));
		for (const seed of [1, 2, 103]) {
			const scenario = scenarioFor(seed, { nodes: 5 });
			const plain = runGossipSimulation(scenario);
			const tagged = runGossipSimulation(scenario, undefined, gossipTags(secret));
			expectPasses(tagged);
			expect(tagged.stats).toEqual(plain.stats);
		}
	}, 30_000);

	test("the same seed gives the same run", () => {
		const a = runGossipSimulation(scenarioFor(3, { nodes: 5 }));
		const b = runGossipSimulation(scenarioFor(3, { nodes: 5 }));
		expect(a.stats).toEqual(b.stats);
	});

	test("a scenario draws a partition that heals before the end", () => {
		const withPartition = Array.from({ length: 20 }, (_, i) => scenarioFor(i + 1)).find(
			(s) => s.partition !== undefined,
		);
		const p = withPartition?.partition;
		expect(p).toBeDefined();
		expect((p?.healAt ?? 0) > (p?.at ?? 0)).toBe(true);
		expect((withPartition?.endAt ?? 0) > (p?.healAt ?? 0)).toBe(true);
	});
});

describe("sim-gossip flags", () => {
	test("parses and replays with forced options", () => {
		const options = parseSimGossipOptions(["--seeds", "5", "--seed", "9", "--nodes", "20"]);
		expect(options).toMatchObject({ seeds: 5, seed: 9, nodes: 20, trace: false });
		expect(replayCommand(9, options)).toBe(
			"bun run scripts/sim-gossip.ts --seeds 1 --seed 9 --nodes 20 --trace",
		);
	});

	test.each([
		[["--seeds"]],
		[["--seeds", "x"]],
		[["--seeds", "0"]],
		[["--drop", "0.9"]],
		[["--nodes", "1"]],
		[["--bogus", "1"]],
	])("refuses %p", (argv) => {
		expect(() => parseSimGossipOptions(argv)).toThrow(CliUsageError);
	});
});
