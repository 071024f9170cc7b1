export interface HillClimberOptions {
	/** Requests per sample, as a multiple of the cache's capacity in objects. */
	sampleFactor?: number;
	/** First step, as a share of capacity. */
	stepShare?: number;
	/** Each step keeps this share of the previous one while the hit ratio is stable. */
	stepDecay?: number;
	/** A hit-ratio change at least this large means the workload moved: restart big steps. */
	restartThreshold?: number;
}

/**
 * Caffeine's simple hill climber for the W-TinyLFU window: every sample it compares the hit
 * ratio with the previous sample's and keeps moving the window the same way while that helps,
 * reversing when it hurts. Steps shrink so the window settles, and grow back on a shift.
 */
export class HillClimber {
	readonly #capacity: number;
	readonly #sampleSize: number;
	readonly #stepShare: number;
	readonly #stepDecay: number;
	readonly #restartThreshold: number;
	#hits = 0;
	#misses = 0;
	#previousHitRatio = 0;
	#step: number;

	constructor(capacity: number, capacityInObjects: number, options: HillClimberOptions = {}) {
		this.#capacity = capacity;
		this.#sampleSize = Math.max(64, Math.floor((options.sampleFactor ?? 10) * capacityInObjects));
		this.#stepShare = options.stepShare ?? 0.0625;
		this.#stepDecay = options.stepDecay ?? 0.98;
		this.#restartThreshold = options.restartThreshold ?? 0.05;
		// Start by shrinking the window, as Caffeine does: most workloads favour frequency.
		this.#step = -this.#stepShare * capacity;
	}

	/** Records one request; returns how much to grow (+) or shrink (-) the window, or 0. */
	record(hit: boolean): number {
		if (hit) this.#hits++;
		else this.#misses++;
		const requests = this.#hits + this.#misses;
		if (requests < this.#sampleSize) return 0;
		const hitRatio = this.#hits / requests;
		const change = hitRatio - this.#previousHitRatio;
		const adjustment = change >= 0 ? this.#step : -this.#step;
		this.#step =
			Math.abs(change) >= this.#restartThreshold
				? this.#stepShare * this.#capacity * Math.sign(adjustment)
				: this.#stepDecay * adjustment;
		this.#previousHitRatio = hitRatio;
		this.#hits = 0;
		this.#misses = 0;
		return adjustment;
	}
}
