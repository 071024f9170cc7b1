import { mixHash } from "./key-hash.ts";
import { ShadowS3Fifo } from "./shadow-s3-fifo.ts";

/**
 * How the split between small and main is chosen:
 * - "tuned" (ours, the default): by miniature simulations of several splits (split-tuner.ts);
 * - "ghost-hits": adapted by the two kinds of ghost hits, ARC's way (small-share.ts);
 * - "fixed": the paper's, `smallShare` throughout, and main forgets what it evicts.
 */
export type SplitMode = "tuned" | "ghost-hits" | "fixed";

/**
 * One way to run S3-FIFO: small's share, whether main remembers what it evicts, and how
 * long each ghost is, as a multiple of the objects held. Or, with `lru`, plain LRU.
 */
export interface SplitSetting {
	readonly smallShare: number;
	readonly mainGhost: boolean;
	readonly ghostShare: number;
	/**
	 * Run as LRU instead: everything is admitted to main (`smallShare` is 0), a hit moves the
	 * object to main's newest end, and main evicts its oldest. Entered from another setting,
	 * what small holds joins main's newest end, and an object main holds with a use counted
	 * before the switch gets one more round: main's order was not recency until then.
	 */
	readonly lru: boolean;
}

/**
 * The settings the tuner chooses among (docs/cache-policy.md has the measurements): small's
 * share from 1% (frequency and loops) to 90% (recency: popularity that moves on, or fades
 * with age), with main's ghost; the paper's ghostless main at 1% and 10%, which suits loops
 * a little longer than the cache; that 10% with a small ghost twice as long, for objects
 * reused between one and two cache-lengths apart, which a ghost as long as the cache forgets
 * just before they return (lirs_multi2 at 1%: 40% of the gap closed, 75% with it); and plain
 * LRU, for workloads where the last use is the best guide to the next (an LRU stack model),
 * on which every S3-FIFO split loses to LRU (the best by 0.7-1.6%, the paper's 10% by 7%).
 */
export const SPLIT_SETTINGS: readonly SplitSetting[] = [
	...[0.01, 0.1, 0.2, 0.3, 0.5, 0.9].map((smallShare) => ({
		smallShare,
		mainGhost: true,
		ghostShare: 1,
		lru: false,
	})),
	...[0.01, 0.1].map((smallShare) => ({ smallShare, mainGhost: false, ghostShare: 1, lru: false })),
	{ smallShare: 0.1, mainGhost: false, ghostShare: 2, lru: false },
	{ smallShare: 0, mainGhost: false, ghostShare: 1, lru: true },
];

/** Where a cache starts, until the simulations tell settings apart: 10% with main's ghost. */
const INITIAL_SETTING = 1;
/** Each shadow simulates at least this many objects: fewer and its misses are mostly noise. */
export const DEFAULT_SAMPLE_FLOOR = 2000;
/** The shortest window, in sampled requests, between two choices. */
const MIN_WINDOW = 64;
/** Each window, the misses counted so far weigh this much against the next window's. */
const DECAY = 0.5;
const MAX_SHIFT = 31;
/** How far ahead, in standard deviations of chance, a setting must be to be taken. */
const LEAD_IN_DEVIATIONS = 1;
/**
 * The same, for a move into or out of LRU. Those cost the cache more than its shadows show
 * (they never switch): main's order changes meaning, and what a use was worth in one order is
 * guessed in the other. With one deviation, noise took LRU on small caches of the shared
 * traces and cost up to 1.8 points more of gap closure in a cell (docs/cache-policy.md).
 */
const LRU_LEAD_IN_DEVIATIONS = 2;

export interface SplitTunerOptions {
	readonly settings?: readonly SplitSetting[];
	/** Objects each shadow simulates at least, once the cache holds twice as many. */
	readonly sampleFloor?: number;
}

/**
 * Chooses S3-FIFO's split by miniature simulation (Waldspurger et al., "Cache Modeling and
 * Optimization using Miniature Simulations", USENIX ATC 2017): keys are sampled by hash
 * (SHARDS' spatial sampling, at a rate of 2^-shift), each setting runs in a shadow S3-FIFO
 * of the sampled keys with the capacity scaled by the same rate (shadow-s3-fifo.ts), and every
 * window (as many sampled requests as the cache holds objects, scaled) the cache takes the
 * setting whose shadow missed least, if it leads the current one by more than chance would
 * explain (#choose). Earlier windows count at half weight each, so it follows a workload that
 * changes.
 *
 * The rate follows the objects the cache holds: each shadow simulates one to two times
 * `sampleFloor` objects as the cache grows (it may fall to half the floor before the rate
 * rises again); below twice the floor every key is sampled and the shadows are full-size
 * caches. When the rate falls, the shadows keep the keys still sampled, as SHARDS does.
 *
 * While the cache's capacity is unknown (Infinity: the memory tier before its first
 * eviction) no shadow evicts, so the shadows of every setting would hold the same keys in
 * the same order and miss alike. One simulation then stands for all of them and is copied
 * for each setting when a capacity is given (#resize): the same choices, a tenth of the
 * work and memory while a cache fills.
 *
 * Cost: a sampled request runs once per setting (10), plus a few dozen additions; memory is
 * about 50-60 bytes per simulated object per setting, bounded by the floor whatever the
 * cache's size. Deterministic: no clock, no randomness.
 */
export class SplitTuner {
	readonly #settings: readonly SplitSetting[];
	/** One per setting, in the same order; a single one until a capacity is known. */
	#shadows: ShadowS3Fifo[];
	/** Per setting, its shadow's misses, each window weighing DECAY times the next one. */
	readonly #misses: Float64Array;
	/**
	 * Per pair of settings (i < j, at i * n + j), the requests where exactly one of the two
	 * shadows missed, decayed alike: the disagreements a difference in misses comes from.
	 */
	readonly #disagreements: Float64Array;
	/** Which shadows missed the request at hand. */
	readonly #missed: Uint8Array;
	readonly #floor: number;
	#chosen: number;
	#shift = 0;
	#window = MIN_WINDOW;
	#seen = 0;
	#objects = 0;
	#capacity = 0;
	/** The scale changed since the shadows last took their capacity. */
	#resized = false;
	/** Made once: an arrow written inside scale() made JSC allocate a scope on every call. */
	readonly #isSampled = (hash: number): boolean => this.sampled(hash);

	constructor(options: SplitTunerOptions = {}) {
		this.#settings = options.settings ?? SPLIT_SETTINGS;
		if (this.#settings.length === 0) throw new RangeError("the split tuner needs a setting");
		this.#floor = options.sampleFloor ?? DEFAULT_SAMPLE_FLOOR;
		const first = this.#settings[0] as SplitSetting;
		this.#shadows = [new ShadowS3Fifo(0, first)];
		this.#misses = new Float64Array(this.#settings.length);
		this.#disagreements = new Float64Array(this.#settings.length ** 2);
		this.#missed = new Uint8Array(this.#settings.length);
		this.#chosen = Math.min(INITIAL_SETTING, this.#settings.length - 1);
	}

	/** The setting the cache should run now. */
	get setting(): SplitSetting {
		return this.#settings[this.#chosen] as SplitSetting;
	}

	/** Shadows simulated now: 1 until a capacity is known, then one per setting. */
	get simulations(): number {
		return this.#shadows.length;
	}

	/** Objects the shadows hold, all together (for tests: bounded by the floor). */
	get simulatedObjects(): number {
		return this.#shadows.reduce((sum, shadow) => sum + shadow.count, 0);
	}

	/** Keys are sampled at 2^-shift. */
	get shift(): number {
		return this.#shift;
	}

	/**
	 * The cache holds (or can hold) about `objects` objects in `capacity` of its units (the
	 * same number when it counts objects; Infinity while that is unknown). Sets the sampling
	 * rate and the shadows' capacity; true when the rate changed (the shadows then keep only
	 * what is still sampled). Cheap enough to call on every request: the shadows take the new
	 * capacity at the next sampled one.
	 */
	scale(objects: number, capacity: number): boolean {
		if (objects === this.#objects && capacity === this.#capacity) return false;
		this.#objects = objects;
		this.#capacity = capacity;
		this.#resized = true;
		let shift = this.#shift;
		while (shift < MAX_SHIFT && objects / 2 ** shift >= 2 * this.#floor) shift++;
		while (shift > 0 && objects / 2 ** shift < this.#floor / 2) shift--;
		if (shift === this.#shift) return false;
		const fewer = shift > this.#shift;
		this.#shift = shift;
		// SHARDS' way: what the shadows hold of the keys still sampled is a sample at the new
		// rate. Sampling more keys needs nothing: the new ones arrive as new keys.
		if (fewer) for (const shadow of this.#shadows) shadow.retain(this.#isSampled);
		return true;
	}

	/** Whether requests for this key hash go to the simulations. */
	sampled(hash: number): boolean {
		return this.#shift === 0 || mixHash(hash) >>> (32 - this.#shift) === 0;
	}

	/** A request for a sampled key (the caller checks `sampled`). */
	request(hash: number, size: number): void {
		if (this.#resized) this.#resize(); // first: it may give each setting its own shadow
		const shadows = this.#shadows;
		const misses = this.#misses;
		const n = misses.length;
		if (shadows.length < n) {
			// The one shadow speaks for every setting: all miss alike, no pair disagrees.
			const miss = (shadows[0] as ShadowS3Fifo).request(hash, size) ? 0 : 1;
			for (let i = 0; i < n; i++) misses[i] = (misses[i] as number) + miss;
		} else {
			const missed = this.#missed;
			let missCount = 0;
			for (let i = 0; i < n; i++) {
				const miss = (shadows[i] as ShadowS3Fifo).request(hash, size) ? 0 : 1;
				missed[i] = miss;
				misses[i] = (misses[i] as number) + miss;
				missCount += miss;
			}
			// Most requests hit (or miss) in every shadow and tell no pair apart: skip the pairs.
			if (missCount > 0 && missCount < n) this.#countDisagreements(missed, n);
		}
		if (++this.#seen < this.#window) return;
		this.#seen = 0;
		this.#choose();
		for (let i = 0; i < misses.length; i++) misses[i] = (misses[i] as number) * DECAY;
		const disagreements = this.#disagreements;
		for (let i = 0; i < disagreements.length; i++)
			disagreements[i] = (disagreements[i] as number) * DECAY;
	}

	#countDisagreements(missed: Uint8Array, n: number): void {
		const disagreements = this.#disagreements;
		for (let i = 0; i < n; i++) {
			for (let j = i + 1; j < n; j++) {
				if (missed[i] !== missed[j])
					disagreements[i * n + j] = (disagreements[i * n + j] as number) + 1;
			}
		}
	}

	/**
	 * Moves to the setting that missed fewest, by more than chance would explain: as in
	 * McNemar's test, only the requests where the two shadows disagree tell them apart, and
	 * with d of them a lead of one standard deviation, sqrt(d), is required. Without it, a
	 * setting that won a window by noise (sampled shadows while the cache fills, say) was
	 * taken and cost more than it saved (docs/cache-policy.md).
	 */
	#choose(): void {
		const misses = this.#misses;
		const n = misses.length;
		const current = this.#chosen;
		const settings = this.#settings;
		const currentIsLru = (settings[current] as SplitSetting).lru;
		let bestLead = 0;
		for (let i = 0; i < n; i++) {
			if (i === current) continue;
			const pair = Math.min(i, current) * n + Math.max(i, current);
			const deviations =
				currentIsLru || (settings[i] as SplitSetting).lru
					? LRU_LEAD_IN_DEVIATIONS
					: LEAD_IN_DEVIATIONS;
			const lead =
				(misses[current] as number) -
				(misses[i] as number) -
				deviations * Math.sqrt(this.#disagreements[pair] as number);
			if (lead > bestLead) {
				bestLead = lead;
				this.#chosen = i;
			}
		}
	}

	#resize(): void {
		this.#resized = false;
		const rate = 2 ** -this.#shift;
		const capacity = this.#capacity * rate;
		if (this.#shadows.length < this.#settings.length && Number.isFinite(capacity)) this.#fork();
		const shadows = this.#shadows;
		for (let i = 0; i < shadows.length; i++) (shadows[i] as ShadowS3Fifo).capacity = capacity;
		this.#window = Math.max(MIN_WINDOW, Math.floor(this.#objects * rate));
	}

	/** A capacity is known: each setting gets its own copy of the one shadow run so far. */
	#fork(): void {
		const shared = this.#shadows[0] as ShadowS3Fifo;
		this.#shadows = this.#settings.map((setting, i) => (i === 0 ? shared : shared.copy(setting)));
	}
}
