import type { ReferenceRow } from "./reference.ts";
import { bestReferencePolicy, referenceRow } from "./reference.ts";
import { gapClosure } from "./replay.ts";
import type { CellResult } from "./run-cell.ts";

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const ratio = (misses: number, requests: number) => (misses / requests).toFixed(6);

/** "MATCH (47112)" when our LRU reproduces libCacheSim's LRU row, or why not. */
export function lruCheck(cell: CellResult, reference: readonly ReferenceRow[]): string {
	const row = referenceRow(reference, cell.trace, cell.mode, cell.fraction, "LRU");
	if (row === undefined) return "no reference";
	if (row.cacheSize !== cell.capacity) return `MISMATCH size ${cell.capacity} vs ${row.cacheSize}`;
	return row.misses === cell.lru.misses ? "MATCH" : `MISMATCH ${cell.lru.misses} vs ${row.misses}`;
}

/**
 * Below this share of the requests, the LRU-to-OPT gap is too small for a share of it to
 * mean anything (a gap of 2 misses would make 20 extra misses "-1000%").
 */
const MIN_GAP_SHARE = 0.001;

/** Whether LRU is optimal, or as good as: a gap under MIN_GAP_SHARE of the requests. */
function lruIsOptimal(cell: CellResult): boolean {
	if (cell.optMisses === undefined) return false;
	return cell.lru.misses - cell.optMisses < Math.max(1, MIN_GAP_SHARE * cell.lru.requests);
}

/**
 * A policy's share of the LRU-to-OPT gap; undefined in byte mode (no OPT) and where LRU is
 * (as good as) optimal, where a share means nothing: there only "below LRU or not" does.
 */
function closureOf(cell: CellResult, misses: number): number | undefined {
	if (cell.optMisses === undefined || lruIsOptimal(cell)) return undefined;
	return gapClosure(cell.lru.misses, misses, cell.optMisses);
}

export function cellClosure(cell: CellResult): number | undefined {
	return closureOf(cell, cell.ours.misses);
}

/** The closure as printed: a percentage, "LRU ~ OPT" where there is no gap to speak of, or "n/a". */
function shownClosure(cell: CellResult, misses: number): string {
	if (cell.optMisses === undefined) return "n/a";
	const closure = closureOf(cell, misses);
	return closure === undefined ? "LRU ~ OPT" : percent(closure);
}

const mean = (values: readonly number[]) =>
	values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

/** The detailed block for one cell (single-trace runs). */
export function describeCell(cell: CellResult, reference: readonly ReferenceRow[]): string {
	const unit = cell.mode === "count" ? "objects" : "bytes";
	const lines = [
		`${cell.trace}  mode ${cell.mode}  size ${percent(cell.fraction)} = ${cell.capacity} ${unit}  requests ${cell.lru.requests}`,
	];
	const line = (name: string, misses: number, missedBytes?: number, requestedBytes?: number) => {
		let text = `  ${name.padEnd(22)} misses ${String(misses).padStart(9)}  miss ratio ${ratio(misses, cell.lru.requests)}`;
		if (cell.mode === "byte" && missedBytes !== undefined && requestedBytes !== undefined) {
			text += `  byte miss ratio ${ratio(missedBytes, requestedBytes)}`;
		}
		return text;
	};
	lines.push(
		`${line("LRU", cell.lru.misses, cell.lru.missedBytes, cell.lru.requestedBytes)}  reference: ${lruCheck(cell, reference)}`,
	);
	lines.push(
		line(
			`ours (${cell.ours.policy})`,
			cell.ours.misses,
			cell.ours.missedBytes,
			cell.ours.requestedBytes,
		),
	);
	for (const other of cell.candidates) {
		const closure =
			cell.optMisses === undefined ? "" : `  closes ${shownClosure(cell, other.misses)}`;
		lines.push(
			`${line(`  ${other.policy}`, other.misses, other.missedBytes, other.requestedBytes)}${closure}`,
		);
	}
	if (cell.optMisses === undefined) {
		lines.push("  OPT                    n/a in byte mode");
	} else {
		lines.push(line("OPT (Belady)", cell.optMisses));
		lines.push(`  gap closed (LRU - ours) / (LRU - OPT): ${shownClosure(cell, cell.ours.misses)}`);
	}
	return lines.join("\n");
}

/** The --all table, with libCacheSim's best practical policy per cell alongside. */
export function describeTable(
	cells: readonly CellResult[],
	reference: readonly ReferenceRow[],
): string {
	const header = [
		"trace",
		"mode",
		"size",
		"cache",
		"LRU",
		"LRU check",
		"ours",
		"OPT",
		"ours closes",
		"best reference",
		"its misses",
		"it closes",
	];
	const rows = cells.map((cell) => {
		const best = bestReferencePolicy(reference, cell.trace, cell.mode, cell.fraction);
		const bestClosure = best === undefined ? "n/a" : shownClosure(cell, best.misses);
		return [
			cell.trace,
			cell.mode,
			percent(cell.fraction),
			String(cell.capacity),
			String(cell.lru.misses),
			lruCheck(cell, reference),
			String(cell.ours.misses),
			cell.optMisses === undefined ? "n/a" : String(cell.optMisses),
			shownClosure(cell, cell.ours.misses),
			best?.algorithm ?? "n/a",
			best === undefined ? "n/a" : String(best.misses),
			bestClosure,
		];
	});
	const widths = header.map((title, column) =>
		Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
	);
	const format = (row: readonly string[]) =>
		`| ${row.map((field, column) => field.padEnd(widths[column] ?? 0)).join(" | ")} |`;
	const lines = [
		format(header),
		format(widths.map((width) => "-".repeat(width))),
		...rows.map(format),
	];
	const countCells = cells.filter((cell) => cell.optMisses !== undefined);
	const withGap = countCells.filter((cell) => !lruIsOptimal(cell));
	const oursMean = mean(withGap.map((cell) => cellClosure(cell) as number));
	const bestClosures = withGap.flatMap((cell) => {
		const best = bestReferencePolicy(reference, cell.trace, "count", cell.fraction);
		return best === undefined ? [] : [closureOf(cell, best.misses) as number];
	});
	const bestMean = bestClosures.length === 0 ? "n/a" : percent(mean(bestClosures));
	const noGap = countCells.length - withGap.length;
	lines.push("");
	lines.push(
		`mean gap closure over ${withGap.length} count-mode cells: ours ${percent(oursMean)}, best reference policy per cell ${bestMean}` +
			(noGap > 0 ? ` (${noGap} more where LRU is within 0.1% of OPT, left out)` : ""),
	);
	lines.push(
		`ours below LRU in ${belowLru(countCells, (cell) => cell.ours.misses)} of ${countCells.length} count-mode cells`,
	);
	const above = countCells.filter((cell) => cell.ours.misses > cell.lru.misses);
	if (above.length > 0)
		lines.push(
			`ours above LRU in: ${above.map((cell) => `${cell.trace} ${percent(cell.fraction)} (+${cell.ours.misses - cell.lru.misses})`).join(", ")}`,
		);
	for (const name of new Set(
		cells.flatMap((cell) => cell.candidates.map((other) => other.policy)),
	)) {
		const missesOf = (cell: CellResult) =>
			cell.candidates.find((candidate) => candidate.policy === name)?.misses ?? Infinity;
		const closures = withGap.map((cell) => closureOf(cell, missesOf(cell)) ?? 0);
		lines.push(
			`  candidate ${name}: mean closure ${percent(mean(closures))}, below LRU in ${belowLru(countCells, missesOf)}; per cell ${countCells.map((cell) => shownClosure(cell, missesOf(cell))).join(" ")}`,
		);
	}
	return lines.join("\n");
}

function belowLru(cells: readonly CellResult[], missesOf: (cell: CellResult) => number): number {
	return cells.filter((cell) => missesOf(cell) < cell.lru.misses).length;
}
