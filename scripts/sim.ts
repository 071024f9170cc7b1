/**
 * `npm run sim -- --seeds N [--seed S] [--trace] [--pipelined] [--max-sessions N]`: runs seeded simulations of the Raft core
 * (cluster/sim/simulation.ts) and prints every failing seed with the command that replays
 * it. Progress goes to stderr, the summary to stdout. Exit 0 all passed, 1 a seed failed
 * (a seed whose linearizability check ran out of steps, UNDECIDED, counts as failed), 2 bad
 * flags.
 */
import { runSimulation, type SimResult, scenarioFor } from "../cluster/sim/simulation.ts";
import { CliUsageError, parseSimOptions, replayCommand, USAGE } from "./sim/cli-options.ts";

function main(argv: readonly string[]): number {
	let options: ReturnType<typeof parseSimOptions>;
	try {
		options = parseSimOptions(argv);
	} catch (error) {
		if (error instanceof CliUsageError) {
			process.stderr.write(`${error.message}\n${USAGE}\n`);
			return 2;
		}
		throw error;
	}
	const started = performance.now();
	let lastReport = started;
	const failed: SimResult[] = [];
	const totals = {
		committed: 0,
		opsOk: 0,
		opsPending: 0,
		sessionsExpired: 0,
		crashes: 0,
		partitions: 0,
		snapshotsTaken: 0,
		snapshotsInstalled: 0,
		confChanges: 0,
		transfers: 0,
		events: 0,
	};
	const last = options.seed + options.seeds - 1;
	for (let seed = options.seed; seed <= last; seed++) {
		const trace = options.trace
			? (line: string) => process.stderr.write(`[seed ${seed}] ${line}\n`)
			: undefined;
		const result = runSimulation(
			{ ...scenarioFor(seed), pipelined: options.pipelined, maxSessions: options.maxSessions },
			trace,
		);
		totals.committed += result.stats.committed;
		totals.opsOk += result.stats.opsOk;
		totals.opsPending += result.stats.opsPending;
		totals.sessionsExpired += result.stats.sessionsExpired;
		totals.crashes += result.stats.crashes;
		totals.partitions += result.stats.partitions;
		totals.confChanges += result.stats.confChanges;
		totals.transfers += result.stats.transfers;
		totals.events += result.stats.events;
		totals.snapshotsTaken += result.stats.snapshotsTaken;
		totals.snapshotsInstalled += result.stats.snapshotsInstalled;
		if (!result.ok) {
			failed.push(result);
			// An undecided check is no pass, but no violation found either: said apart.
			process.stdout.write(
				`${result.undecided ? "UNDECIDED" : "FAIL"} seed ${seed}: ${result.failures[0]}\n  replay: ${replayCommand(seed, options.pipelined, options.maxSessions)}\n`,
			);
		}
		const now = performance.now();
		if (now - lastReport > 2_000 || seed === last) {
			lastReport = now;
			const done = seed - options.seed + 1;
			process.stderr.write(
				`${done}/${options.seeds} seeds, ${failed.length} failed, ${((now - started) / 1000).toFixed(1)} s\n`,
			);
		}
	}
	const seconds = ((performance.now() - started) / 1000).toFixed(1);
	const undecided = failed.filter((result) => result.undecided).length;
	process.stdout.write(
		`${options.seeds - failed.length}/${options.seeds} seeds passed (seeds ${options.seed}..${last}${undecided > 0 ? `; ${undecided} undecided, counted as failed` : ""}) in ${seconds} s: ` +
			`${totals.committed} entries committed, ${totals.opsOk} client operations answered, ` +
			`${totals.opsPending} left pending (${totals.sessionsExpired} of them session-expired), ${totals.crashes} crashes, ${totals.partitions} partitions, ` +
			`${totals.snapshotsTaken} snapshots taken, ${totals.snapshotsInstalled} installed from a leader, ` +
			`${totals.confChanges} membership changes, ${totals.transfers} leadership transfers, ` +
			`${totals.events} events\n`,
	);
	if (options.seeds === 1 && failed[0]) {
		for (const failure of failed[0].failures) process.stdout.write(`  ${failure}\n`);
		process.stdout.write(`  scenario: ${JSON.stringify(failed[0].scenario)}\n`);
	}
	return failed.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
