/**
 * The start-up figures and the verdict: medians per contender, their ratio, the target.
 * Pure, so a test can check the arithmetic and the wording.
 */

/** First 200 within this many milliseconds of exec, for the POP binary. */
export const TARGET_MS = 100;

export type StartTimes = {
	/** Exec to the "edge on URL" line: listening. */
	readonly listeningMs: readonly number[];
	/** Exec to the first 200 response through the edge (a miss filled from the demo origin). */
	readonly first200Ms: readonly number[];
};

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	const upper = sorted[middle] ?? Number.NaN;
	if (sorted.length % 2 === 1) return upper;
	return ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

export type Summary = { readonly lines: readonly string[]; readonly met: boolean };

export function summarize(binary: StartTimes, bunRun: StartTimes): Summary {
	const ms = (value: number) => `${value.toFixed(1)} ms`;
	const binary200 = median(binary.first200Ms);
	const bunRun200 = median(bunRun.first200Ms);
	const met = binary200 < TARGET_MS;
	const starts = binary.first200Ms.length;
	return {
		met,
		lines: [
			`start-up to first 200 (median of ${starts} starts each, interleaved):`,
			`  POP binary          ${ms(binary200)}   (listening after ${ms(median(binary.listeningMs))})`,
			`  bun run node.ts     ${ms(bunRun200)}   (listening after ${ms(median(bunRun.listeningMs))})`,
			`  ratio               bun run / binary = ${(bunRun200 / binary200).toFixed(2)}x`,
			`${met ? "MET   " : "MISSED"} POP binary first 200 in ${ms(binary200)} (target under ${TARGET_MS} ms)`,
		],
	};
}
