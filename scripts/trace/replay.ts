import type { SizedCachePolicy } from "../../edge/policy/sized-cache.ts";
import type { Trace } from "./trace-file.ts";

export type ReplayMode = "count" | "byte";

export interface ReplayResult {
	readonly policy: string;
	readonly requests: number;
	readonly misses: number;
	readonly missedBytes: number;
	readonly requestedBytes: number;
}

/** Progress is reported this often (in requests) so long replays show they are alive. */
const PROGRESS_EVERY = 250_000;

/** The README's rule: floor(fraction x working set), objects or bytes by mode. */
export function cacheSizeFor(trace: Trace, mode: ReplayMode, fraction: number): number {
	const workingSet = mode === "count" ? trace.uniqueObjects : trace.uniqueBytes;
	return Math.floor(fraction * workingSet);
}

/**
 * Cold-start replay of every request through one policy. In count mode every object weighs
 * 1; the byte miss ratio is still measured with the real sizes.
 */
export function replay(
	trace: Trace,
	policy: SizedCachePolicy,
	mode: ReplayMode,
	onProgress?: (done: number, total: number) => void,
): ReplayResult {
	const { ids, sizes } = trace;
	const total = ids.length;
	let misses = 0;
	let missedBytes = 0;
	let requestedBytes = 0;
	for (let i = 0; i < total; i++) {
		const size = sizes[i] as number;
		requestedBytes += size;
		if (!policy.request(ids[i] as number, mode === "count" ? 1 : size)) {
			misses++;
			missedBytes += size;
		}
		if (onProgress !== undefined && (i + 1) % PROGRESS_EVERY === 0) onProgress(i + 1, total);
	}
	return { policy: policy.name, requests: total, misses, missedBytes, requestedBytes };
}

/** Share of the LRU-to-OPT gap a policy closes: 1 is optimal, 0 is LRU, negative is worse. */
export function gapClosure(lruMisses: number, oursMisses: number, optMisses: number): number {
	const gap = lruMisses - optMisses;
	return gap === 0 ? 0 : (lruMisses - oursMisses) / gap;
}
