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

export function cellClosure(cell: CellResult): number | undefined {
	if (cell.optMisses === undefined) return undefined;
	return gapClosure(cell.lru.misses, cell.ours.misses, cell.optMisses);
}

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
			cell.optMisses === undefined
				? ""
				: `  closes ${percent(gapClosure(cell.lru.misses, other.misses, cell.optMisses))}`;
		lines.push(
			`${line(`  ${other.policy}`, other.misses, other.missedBytes, other.requestedBytes)}${closure}`,
		);
	}
	if (cell.optMisses === undefined) {
		lines.push("  OPT                    n/a in byte mode");
	} else {
		lines.push(line("OPT (Belady)", cell.optMisses));
		lines.push(`  gap closed (LRU - ours) / (LRU - OPT): ${percent(cellClosure(cell) ?? 0)}`);
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
		const closure = cellClosure(cell);
		const bestClosure =
			best === undefined || cell.optMisses === undefined
				? "n/a"
				: percent(gapClosure(cell.lru.misses, best.misses, cell.optMisses));
		return [
			cell.trace,
			cell.mode,
			percent(cell.fraction),
			String(cell.capacity),
			String(cell.lru.misses),
			lruCheck(cell, reference),
			String(cell.ours.misses),
			cell.optMisses === undefined ? "n/a" : String(cell.optMisses),
			closure === undefined ? "n/a" : percent(closure),
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
	const mean =
		countCells.reduce((sum, cell) => sum + (cellClosure(cell) ?? 0), 0) /
		Math.max(1, countCells.length);
	const bestMean =
		countCells.reduce((sum, cell) => {
			const best = bestReferencePolicy(reference, cell.trace, "count", cell.fraction);
			return (
				sum +
				(best === undefined || cell.optMisses === undefined
					? 0
					: gapClosure(cell.lru.misses, best.misses, cell.optMisses))
			);
		}, 0) / Math.max(1, countCells.length);
	const beatsLru = countCells.filter((cell) => cell.ours.misses < cell.lru.misses).length;
	lines.push("");
	lines.push(
		`mean gap closure over ${countCells.length} count-mode cells: ours ${percent(mean)}, best reference policy per cell ${percent(bestMean)}`,
	);
	lines.push(`ours below LRU in ${beatsLru} of ${countCells.length} count-mode cells`);
	for (const name of new Set(
		cells.flatMap((cell) => cell.candidates.map((other) => other.policy)),
	)) {
		const closures = countCells.map((cell) => {
			const other = cell.candidates.find((candidate) => candidate.policy === name);
			return other === undefined || cell.optMisses === undefined
				? 0
				: gapClosure(cell.lru.misses, other.misses, cell.optMisses);
		});
		const below = countCells.filter(
			(cell) =>
				(cell.candidates.find((c) => c.policy === name)?.misses ?? Infinity) < cell.lru.misses,
		).length;
		lines.push(
			`  candidate ${name}: mean closure ${percent(closures.reduce((a, b) => a + b, 0) / Math.max(1, closures.length))}, below LRU in ${below}; per cell ${closures.map(percent).join(" ")}`,
		);
	}
	return lines.join("\n");
}
