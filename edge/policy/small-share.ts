/**
 * How much of an S3-FIFO cache the small FIFO gets, adapted the way ARC adapts its recency
 * list (Megiddo and Modha, FAST 2003), using S3-FIFO's two kinds of ghost hits as evidence:
 *
 * - a miss on a key the small FIFO dropped says small was too short for it to be reused
 *   there: small grows;
 * - a miss on a key main evicted says main was too short: small shrinks.
 *
 * Each step is the size of the missed object, scaled by how much rarer its kind of ghost hit
 * is (the ratio of the other ghost's weight to this one's, at least 1), as in ARC. The share
 * stays within [minShare, maxShare] so neither FIFO ever vanishes.
 *
 * A fixed 10% small FIFO (the paper's) suits frequency-heavy and looping workloads; workloads
 * where objects are reused a while after they arrive need a longer one, and shifts between
 * the two need it to move. Pure arithmetic: the caches own the ghosts and report to it.
 */
export interface SmallShareOptions {
	/** Where the share starts (the S3-FIFO paper's fixed 10%). */
	readonly initialShare?: number;
	readonly minShare?: number;
	readonly maxShare?: number;
	/** False keeps the share at initialShare: the paper's fixed split. */
	readonly adaptive?: boolean;
}

export const DEFAULT_SMALL_SHARE = 0.1;
const DEFAULT_MIN_SHARE = 0.01;
const DEFAULT_MAX_SHARE = 0.9;

export class SmallShare {
	#share: number;
	readonly #min: number;
	readonly #max: number;
	readonly #adaptive: boolean;

	constructor(options: SmallShareOptions = {}) {
		this.#min = options.minShare ?? DEFAULT_MIN_SHARE;
		this.#max = options.maxShare ?? DEFAULT_MAX_SHARE;
		if (!(this.#min > 0 && this.#min <= this.#max && this.#max < 1))
			throw new RangeError(`small share bounds must satisfy 0 < min <= max < 1`);
		this.#share = clamp(options.initialShare ?? DEFAULT_SMALL_SHARE, this.#min, this.#max);
		this.#adaptive = options.adaptive ?? true;
	}

	/** The small FIFO's current share of the cache's capacity, in [minShare, maxShare]. */
	get value(): number {
		return this.#share;
	}

	/**
	 * A miss on an object the small FIFO dropped. Sizes and weights share the capacity's unit
	 * (objects or bytes); the ghost weights are read before the object leaves its ghost.
	 */
	smallGhostHit(size: number, capacity: number, smallGhost: number, mainGhost: number): void {
		if (!this.#adaptive || capacity <= 0) return;
		const step = Math.max(1, mainGhost / Math.max(size, smallGhost)) * size;
		this.#share = Math.min(this.#max, this.#share + step / capacity);
	}

	/** A miss on an object main evicted: the mirror image of smallGhostHit. */
	mainGhostHit(size: number, capacity: number, smallGhost: number, mainGhost: number): void {
		if (!this.#adaptive || capacity <= 0) return;
		const step = Math.max(1, smallGhost / Math.max(size, mainGhost)) * size;
		this.#share = Math.max(this.#min, this.#share - step / capacity);
	}
}

function clamp(value: number, min: number, max: number): number {
	return Math.min(max, Math.max(min, value));
}
