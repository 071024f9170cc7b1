import type { ReplayMode } from "./replay.ts";

/** One row of libCacheSim's reference.tsv. */
export interface ReferenceRow {
	readonly trace: string;
	readonly mode: ReplayMode;
	readonly algorithm: string;
	readonly fraction: number;
	readonly cacheSize: number;
	readonly requests: number;
	readonly misses: number;
}

export function parseReference(text: string): ReferenceRow[] {
	const rows: ReferenceRow[] = [];
	for (const line of text.split("\n").slice(1)) {
		const fields = line.trim().split("\t");
		if (fields.length < 7) continue;
		const [trace, mode, algorithm, fraction, cacheSize, requests, misses] = fields as [
			string,
			string,
			string,
			string,
			string,
			string,
			string,
		];
		if (mode !== "count" && mode !== "byte") continue;
		rows.push({
			trace,
			mode,
			algorithm,
			fraction: Number(fraction),
			cacheSize: Number(cacheSize),
			requests: Number(requests),
			misses: Number(misses),
		});
	}
	return rows;
}

function sameCell(row: ReferenceRow, trace: string, mode: ReplayMode, fraction: number): boolean {
	return row.trace === trace && row.mode === mode && Math.abs(row.fraction - fraction) < 1e-9;
}

export function referenceRow(
	rows: readonly ReferenceRow[],
	trace: string,
	mode: ReplayMode,
	fraction: number,
	algorithm: string,
): ReferenceRow | undefined {
	return rows.find((row) => sameCell(row, trace, mode, fraction) && row.algorithm === algorithm);
}

/** The best practical policy in a cell: fewest misses, leaving out the offline Belady rows. */
export function bestReferencePolicy(
	rows: readonly ReferenceRow[],
	trace: string,
	mode: ReplayMode,
	fraction: number,
): ReferenceRow | undefined {
	let best: ReferenceRow | undefined;
	for (const row of rows) {
		if (!sameCell(row, trace, mode, fraction) || row.algorithm.startsWith("Belady")) continue;
		if (best === undefined || row.misses < best.misses) best = row;
	}
	return best;
}
