/**
 * L0 get and set of 1 KiB values against a plain Map<string, Uint8Array> doing the same
 * work, in the same `npm run bench`. Both live in one process (test/bench/paired-ops.ts)
 * and are measured in short alternating rounds; the figure is the median of the per-round
 * ratios. On this shared 2-core VM throughput drifts by up to 2x within seconds for both
 * alike, so ratios of runs made at different moments (separate processes, one after the
 * other) swung from 0.4x to 1.4x; ratios of the same moment do not.
 */
import { formatOps, progress } from "./report.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

export interface GetSetFigures {
	readonly keys: number;
	readonly l0Get: number;
	readonly mapGet: number;
	readonly l0Set: number;
	readonly mapSet: number;
	readonly getRatio: number;
	readonly setRatio: number;
}

/** One round's figures, ops/s, as test/bench/paired-ops.ts prints them. */
interface Pair {
	readonly map: number;
	readonly tier: number;
}

interface PairedRounds {
	readonly gets: Pair[];
	readonly sets: Pair[];
}

async function runPaired(keys: number): Promise<PairedRounds> {
	const child = Bun.spawn(
		[process.execPath, `${import.meta.dir}/paired-ops.ts`, String(keys), String(ROUNDS)],
		{ stdout: "pipe", stderr: "inherit" },
	);
	const text = await new Response(child.stdout).text();
	if ((await child.exited) !== 0) throw new Error(`paired ops for ${keys} keys failed`);
	return JSON.parse(text.trim().split("\n").pop() as string) as PairedRounds;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] as number;
}

export async function benchL0VsMap(keys: number): Promise<GetSetFigures> {
	progress(`L0 vs Map, ${keys} keys: ${ROUNDS} alternating rounds in one process`);
	const { gets, sets } = await runPaired(keys);
	const figures = {
		keys,
		l0Get: median(gets.map((r) => r.tier)),
		mapGet: median(gets.map((r) => r.map)),
		l0Set: median(sets.map((r) => r.tier)),
		mapSet: median(sets.map((r) => r.map)),
		getRatio: median(gets.map((r) => r.tier / r.map)),
		setRatio: median(sets.map((r) => r.tier / r.map)),
	};
	console.log(
		`\n## L0 vs Map, 1 KiB values, ${keys} keys (medians of ${ROUNDS} alternating rounds)`,
	);
	console.table({
		L0: { get: formatOps(figures.l0Get), set: formatOps(figures.l0Set) },
		Map: { get: formatOps(figures.mapGet), set: formatOps(figures.mapSet) },
		"L0 / Map (median of round ratios)": {
			get: `${figures.getRatio.toFixed(2)}x`,
			set: `${figures.setRatio.toFixed(2)}x`,
		},
	});
	return figures;
}
