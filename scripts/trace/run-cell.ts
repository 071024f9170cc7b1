import { beladyMisses } from "./belady.ts";
import { candidates, lru, OURS, type PolicyFactory } from "./policies.ts";
import { cacheSizeFor, type ReplayMode, type ReplayResult, replay } from "./replay.ts";
import type { Trace } from "./trace-file.ts";

/** One trace at one size in one mode: LRU, ours, OPT and, if asked, every candidate. */
export interface CellResult {
	readonly trace: string;
	readonly mode: ReplayMode;
	readonly fraction: number;
	readonly capacity: number;
	readonly lru: ReplayResult;
	readonly ours: ReplayResult;
	/** Undefined in byte mode: our OPT counts objects only. */
	readonly optMisses: number | undefined;
	readonly candidates: readonly ReplayResult[];
}

/** A size that rounds down to a cache of nothing: every policy would miss every request. */
export class ZeroCacheError extends Error {
	override name = "ZeroCacheError";
	constructor(trace: Trace, mode: ReplayMode, fraction: number) {
		const workingSet = mode === "count" ? trace.uniqueObjects : trace.uniqueBytes;
		const unit = mode === "count" ? "objects" : "bytes";
		super(
			`--size ${fraction * 100}% of ${trace.name}'s working set of ${workingSet} ${unit} is a cache of 0 ${unit}: nothing to compare; use a larger --size`,
		);
	}
}

function progressTo(stderr: boolean, label: string) {
	if (!stderr) return undefined;
	return (done: number, total: number) =>
		process.stderr.write(
			`  ${label}: ${done.toLocaleString("en")} / ${total.toLocaleString("en")}\n`,
		);
}

export function runCell(
	trace: Trace,
	mode: ReplayMode,
	fraction: number,
	withCandidates: boolean,
	showProgress: boolean,
): CellResult {
	const capacity = cacheSizeFor(trace, mode, fraction);
	if (capacity < 1) throw new ZeroCacheError(trace, mode, fraction);
	const setting = { capacity, mode, trace };
	const label = `${trace.name} ${mode} ${fraction * 100}%`;
	const run = (name: string, factory: PolicyFactory) =>
		replay(trace, factory(setting), mode, progressTo(showProgress, `${label} ${name}`));
	const ours = candidates[OURS];
	if (ours === undefined) throw new Error(`unknown policy ${OURS}`);
	const others = withCandidates
		? Object.entries(candidates).map(([name, factory]) => ({ ...run(name, factory), policy: name }))
		: [];
	return {
		trace: trace.name,
		mode,
		fraction,
		capacity,
		lru: run("LRU", lru),
		ours: { ...run(OURS, ours), policy: OURS },
		optMisses: mode === "count" ? beladyMisses(trace, capacity) : undefined,
		candidates: others,
	};
}
