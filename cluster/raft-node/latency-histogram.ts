/**
 * A fixed histogram of latencies in milliseconds, for percentiles without keeping samples:
 * geometric buckets, four per doubling (each about 19% wide), from 1 µs to about 68 s, so
 * memory and recording cost are constant however long a member runs. A percentile is read
 * by interpolating inside its bucket, so it is off by at most one bucket's width.
 */

/** Lower bound of the first bucket; anything below it lands there. */
const FIRST_BOUND_MS = 0.001;
const BUCKETS_PER_DOUBLING = 4;
/** 26 doublings above 1 µs is about 67 s: no fsync that slow leaves a member running. */
const BUCKET_COUNT = 26 * BUCKETS_PER_DOUBLING;

/** Upper bound of bucket i (bucket i holds values in (bound(i-1), bound(i)]). */
function bound(i: number): number {
	return FIRST_BOUND_MS * 2 ** ((i + 1) / BUCKETS_PER_DOUBLING);
}

export interface LatencySummary {
	readonly count: number;
	readonly sumMs: number;
	readonly maxMs: number;
	/** Undefined while nothing was recorded. */
	readonly p50Ms: number | undefined;
	readonly p90Ms: number | undefined;
	readonly p99Ms: number | undefined;
}

export class LatencyHistogram {
	readonly #counts = new Uint32Array(BUCKET_COUNT);
	#count = 0;
	#sumMs = 0;
	#maxMs = 0;

	record(ms: number): void {
		if (!(ms >= 0) || !Number.isFinite(ms)) return;
		const raw = Math.ceil(Math.log2(ms / FIRST_BOUND_MS) * BUCKETS_PER_DOUBLING) - 1;
		const index = Math.min(BUCKET_COUNT - 1, Math.max(0, raw));
		this.#counts[index] = (this.#counts[index] as number) + 1;
		this.#count++;
		this.#sumMs += ms;
		this.#maxMs = Math.max(this.#maxMs, ms);
	}

	/** The value below which `fraction` (0..1] of the recorded latencies fall. */
	percentile(fraction: number): number | undefined {
		if (this.#count === 0) return undefined;
		const rank = Math.max(1, Math.ceil(fraction * this.#count));
		let seen = 0;
		for (let i = 0; i < BUCKET_COUNT; i++) {
			const inBucket = this.#counts[i] as number;
			if (seen + inBucket >= rank) {
				const low = i === 0 ? 0 : bound(i - 1);
				const high = bound(i);
				const at = low + ((high - low) * (rank - seen)) / inBucket;
				// Never above what was actually seen: the top bucket is wide.
				return Math.min(at, this.#maxMs);
			}
			seen += inBucket;
		}
		return this.#maxMs;
	}

	summary(): LatencySummary {
		return {
			count: this.#count,
			sumMs: this.#sumMs,
			maxMs: this.#maxMs,
			p50Ms: this.percentile(0.5),
			p90Ms: this.percentile(0.9),
			p99Ms: this.percentile(0.99),
		};
	}
}
