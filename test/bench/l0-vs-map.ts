/**
 * L0 get and set of 1 KiB values against a plain Map<string, Uint8Array> doing the same
 * work, in the same `npm run bench`. Each measurement runs in a process of its own (so one
 * contender's JIT state and garbage cannot tax the other), the two alternate for several
 * rounds, and the median of each is compared: on a shared 2-core VM single runs swing
 * by ±30%.
 */
import { formatOps, progress } from "./report.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

export interface GetSetFigures {
	readonly keys: number;
	readonly l0Get: number;
	readonly mapGet: number;
	readonly l0Set: number;
	readonly mapSet: number;
	readonly getRatio: number;
	readonly setRatio: number;
}

interface OpsLine {
	readonly getOps: number;
	readonly setOps: number;
}

async function runOps(contender: "l0" | "map", keys: number): Promise<OpsLine> {
	const child = Bun.spawn(
		[process.execPath, `${import.meta.dir}/probe.ts`, "ops", contender, String(keys)],
		{
			stdout: "pipe",
			stderr: "inherit",
		},
	);
	const text = await new Response(child.stdout).text();
	if ((await child.exited) !== 0) throw new Error(`ops probe for ${contender} failed`);
	return JSON.parse(text.trim().split("\n").pop() as string) as OpsLine;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] as number;
}

export async function benchL0VsMap(keys: number): Promise<GetSetFigures> {
	const l0: OpsLine[] = [];
	const map: OpsLine[] = [];
	for (let round = 1; round <= ROUNDS; round++) {
		progress(`L0 vs Map, ${keys} keys: round ${round}/${ROUNDS}`);
		map.push(await runOps("map", keys));
		l0.push(await runOps("l0", keys));
	}
	const figures = {
		keys,
		l0Get: median(l0.map((r) => r.getOps)),
		mapGet: median(map.map((r) => r.getOps)),
		l0Set: median(l0.map((r) => r.setOps)),
		mapSet: median(map.map((r) => r.setOps)),
	};
	console.log(
		`\n## L0 vs Map, 1 KiB values, ${keys} keys (median of ${ROUNDS} rounds, each in its own process)`,
	);
	console.table({
		L0: { get: formatOps(figures.l0Get), set: formatOps(figures.l0Set) },
		Map: { get: formatOps(figures.mapGet), set: formatOps(figures.mapSet) },
		"L0 / Map": {
			get: `${(figures.l0Get / figures.mapGet).toFixed(2)}x`,
			set: `${(figures.l0Set / figures.mapSet).toFixed(2)}x`,
		},
	});
	return {
		...figures,
		getRatio: figures.l0Get / figures.mapGet,
		setRatio: figures.l0Set / figures.mapSet,
	};
}
