/**
 * Replays cache traces through LRU, our policy and Belady's OPT under the rules of
 * /work/shared/traces/README.md (libCacheSim's): see USAGE in trace/cli-options.ts.
 * Results go to stdout, progress and errors to stderr; bad flags or files exit with 2.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CliUsageError, parseCliOptions, USAGE } from "./trace/cli-options.ts";
import { parseReference, type ReferenceRow } from "./trace/reference.ts";
import type { ReplayMode } from "./trace/replay.ts";
import { describeCell, describeTable } from "./trace/report.ts";
import { type CellResult, runCell, ZeroCacheError } from "./trace/run-cell.ts";
import { readTraceFile, type Trace, TraceFileError, TraceParseError } from "./trace/trace-file.ts";

/** Loading a trace reports progress this often. */
const PROGRESS_EVERY_BYTES = 64 * 2 ** 20;
/** Progress lines only for traces long enough to make someone wait. */
const PROGRESS_FROM_REQUESTS = 500_000;

function loadTrace(path: string): Trace {
	if (!existsSync(path)) throw new CliUsageError(`no such trace file: ${path}`);
	const stat = statSync(path);
	if (!stat.isFile()) throw new CliUsageError(`not a trace file (a directory?): ${path}`);
	const name = basename(path).replace(/\.csv$/, "");
	const started = performance.now();
	const { size } = stat;
	let nextReport = PROGRESS_EVERY_BYTES;
	const trace = readTraceFile(path, name, (bytesRead, requests) => {
		if (bytesRead < nextReport) return;
		nextReport += PROGRESS_EVERY_BYTES;
		const share = ((100 * bytesRead) / Math.max(1, size)).toFixed(0);
		console.error(`  loading ${name}: ${share}% (${requests.toLocaleString("en")} requests)`);
	});
	const seconds = ((performance.now() - started) / 1000).toFixed(1);
	console.error(
		`loaded ${name}: ${trace.ids.length} requests, ${trace.uniqueObjects} objects in ${seconds}s`,
	);
	if (trace.header !== undefined) console.error(`  skipped a header line: ${trace.header}`);
	if (trace.zeroSizeSkipped > 0) {
		console.error(`  skipped ${trace.zeroSizeSkipped} requests of size 0 (as libCacheSim does)`);
	}
	if (trace.ids.length === 0) throw new CliUsageError(`no requests in trace file: ${path}`);
	return trace;
}

function loadReference(path: string): ReferenceRow[] {
	if (!existsSync(path)) return [];
	return parseReference(readFileSync(path, "utf8"));
}

function runTrace(
	trace: Trace,
	modes: readonly ReplayMode[],
	fractions: readonly number[],
	withCandidates: boolean,
	skipZeroCaches: boolean,
): CellResult[] {
	const cells: CellResult[] = [];
	for (const mode of modes) {
		for (const fraction of fractions) {
			const started = performance.now();
			try {
				cells.push(
					runCell(
						trace,
						mode,
						fraction,
						withCandidates,
						trace.ids.length >= PROGRESS_FROM_REQUESTS,
					),
				);
			} catch (error) {
				// One tiny trace in a directory should not stop the sweep; alone, it is an error.
				if (!(skipZeroCaches && error instanceof ZeroCacheError)) throw error;
				console.error(`skipped: ${error.message}`);
				continue;
			}
			const seconds = ((performance.now() - started) / 1000).toFixed(1);
			console.error(`replayed ${trace.name} ${mode} ${fraction * 100}% in ${seconds}s`);
		}
	}
	return cells;
}

function main(argv: readonly string[]): number {
	const options = parseCliOptions(argv);
	if (options.all) {
		if (!existsSync(options.path) || !statSync(options.path).isDirectory()) {
			throw new CliUsageError(`--all needs a directory of traces: ${options.path}`);
		}
		const reference = loadReference(options.reference ?? join(options.path, "reference.tsv"));
		const files = readdirSync(options.path)
			.filter((file) => file.endsWith(".csv"))
			.sort();
		if (files.length === 0) throw new CliUsageError(`no .csv traces in ${options.path}`);
		const cells: CellResult[] = [];
		for (const file of files) {
			const trace = loadTrace(join(options.path, file));
			const modes: ReplayMode[] = trace.hasSizes ? ["count", "byte"] : ["count"];
			cells.push(...runTrace(trace, modes, options.fractions, options.candidates, true));
		}
		console.log(describeTable(cells, reference));
		return 0;
	}
	const reference = loadReference(
		options.reference ?? join(dirname(options.path), "reference.tsv"),
	);
	const trace = loadTrace(options.path);
	const cells = runTrace(
		trace,
		[options.bytes ? "byte" : "count"],
		options.fractions,
		options.candidates,
		false,
	);
	console.log(cells.map((cell) => describeCell(cell, reference)).join("\n\n"));
	return 0;
}

try {
	process.exitCode = main(process.argv.slice(2));
} catch (error) {
	if (
		error instanceof CliUsageError ||
		error instanceof TraceParseError ||
		error instanceof TraceFileError ||
		error instanceof ZeroCacheError
	) {
		console.error(`trace: ${error.message}\n${USAGE}`);
		process.exitCode = 2;
	} else {
		throw error;
	}
}
