/**
 * CPU time a server spent per answered request in one wrk run, from what bench-edge.sh
 * writes beside the run: "<ticks> <ticks per second>", the change in the server's process
 * tree's utime + stime over the run. Context for where the time goes, not a target, so an
 * unreadable sample is reported as unknown rather than stopping the summary.
 */

export interface CpuSample {
	readonly ticks: number;
	readonly ticksPerSecond: number;
}

/** The sample in `text`, or undefined when it is not two whole numbers (hz above zero). */
export function parseCpuSample(text: string): CpuSample | undefined {
	const match = /^(\d+) (\d+)$/.exec(text.trim());
	if (match === null) return undefined;
	const ticks = Number(match[1]);
	const ticksPerSecond = Number(match[2]);
	if (!Number.isSafeInteger(ticks) || !(ticksPerSecond > 0)) return undefined;
	return { ticks, ticksPerSecond };
}

/** Microseconds of CPU per request; undefined without a sample or without requests. */
export function cpuMicrosPerRequest(
	sample: CpuSample | undefined,
	requests: number,
): number | undefined {
	if (sample === undefined || !(requests > 0)) return undefined;
	return (sample.ticks / sample.ticksPerSecond / requests) * 1e6;
}
