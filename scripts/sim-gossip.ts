/**
 * `bun run scripts/sim-gossip.ts --seeds N [--seed S] [--nodes N] [--drop P] [--trace]`:
 * seeded simulations of SWIM membership (cluster/gossip/sim/). Prints every failing seed with
 * the command that replays it, then a summary: false positives, the worst crash-to-dead
 * delay against the bound. Exit 0 all passed, 1 a seed failed, 2 bad flags.
 */
import { scenarioFor } from "../cluster/gossip/sim/scenario.ts";
import { runGossipSimulation } from "../cluster/gossip/sim/simulation.ts";
import {
	CliUsageError,
	parseSimGossipOptions,
	replayCommand,
	USAGE,
} from "./sim-gossip/cli-options.ts";

function main(argv: readonly string[]): number {
	let options: ReturnType<typeof parseSimGossipOptions>;
	try {
		options = parseSimGossipOptions(argv);
	} catch (error) {
		if (error instanceof CliUsageError) {
			process.stderr.write(`${error.message}\n${USAGE}\n`);
			return 2;
		}
		throw error;
	}
	const overrides = {
		...(options.nodes !== undefined ? { nodes: options.nodes } : {}),
		...(options.drop !== undefined ? { drop: options.drop } : {}),
	};
	const started = performance.now();
	let lastReport = started;
	let failed = 0;
	const bySize = new Map<
		number,
		{ seeds: number; worst: number; bound: number; worstSeed: number }
	>();
	const totals = { partitioned: 0, falsePositivesAt5: 0, falsePositivesAbove5: 0, packets: 0 };
	const last = options.seed + options.seeds - 1;
	for (let seed = options.seed; seed <= last; seed++) {
		const trace = options.trace
			? (line: string) => process.stderr.write(`[seed ${seed}] ${line}\n`)
			: undefined;
		const result = runGossipSimulation(scenarioFor(seed, overrides), trace);
		const s = result.stats;
		const size = bySize.get(s.nodes) ?? { seeds: 0, worst: 0, bound: s.boundPeriods, worstSeed: 0 };
		size.seeds++;
		if (s.worstDetectionPeriods > size.worst) {
			size.worst = s.worstDetectionPeriods;
			size.worstSeed = seed;
		}
		bySize.set(s.nodes, size);
		if (s.partitioned) totals.partitioned++;
		if (s.drop <= 0.05) totals.falsePositivesAt5 += s.falsePositives;
		else totals.falsePositivesAbove5 += s.falsePositives;
		totals.packets += s.packets;
		if (!result.ok) {
			failed++;
			process.stdout.write(
				`FAIL seed ${seed}: ${result.failures[0]}\n  replay: ${replayCommand(seed, options)}\n`,
			);
		}
		const now = performance.now();
		if (now - lastReport > 5_000 || seed === last) {
			lastReport = now;
			process.stderr.write(
				`seed ${seed} (${seed - options.seed + 1}/${options.seeds}), ${failed} failed\n`,
			);
		}
	}
	const seconds = ((performance.now() - started) / 1000).toFixed(1);
	process.stdout.write(
		`${options.seeds} seeds in ${seconds} s: ${failed} failed; ${totals.partitioned} with a partition; ` +
			`${totals.packets} packets\nfalse positives: ${totals.falsePositivesAt5} at 5% loss (asserted 0), ` +
			`${totals.falsePositivesAbove5} at 10-20% loss (counted only)\n`,
	);
	for (const [nodes, size] of [...bySize].sort((a, b) => a[0] - b[0])) {
		process.stdout.write(
			`${nodes} nodes (${size.seeds} seeds): crash -> dead everywhere, worst ${size.worst.toFixed(2)} probe periods ` +
				`(seed ${size.worstSeed}); bound ${size.bound.toFixed(1)}\n`,
		);
	}
	return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
