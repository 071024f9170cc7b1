import { IdLinks, IdQueue, NO_ID } from "./id-lists.ts";
import { mixHash } from "./key-hash.ts";
import type { SizedCachePolicy } from "./sized-cache.ts";
import { SmallShare } from "./small-share.ts";
import { type SplitMode, type SplitSetting, SplitTuner } from "./split-tuner.ts";
import { grownFloat64, grownUint8 } from "./typed-growth.ts";

const ABSENT = 0;
const IN_SMALL = 1;
const IN_MAIN = 2;
/** Dropped from small: a miss here means small was too short. */
const IN_SMALL_GHOST = 3;
/** Evicted from main: a miss here means main was too short. */
const IN_MAIN_GHOST = 4;
/** Two bits of frequency are enough to tell one-hit wonders from reused objects. */
const MAX_FREQUENCY = 3;

const NAMES: Record<SplitMode, string> = {
	tuned: "S3-FIFO (tuned)",
	"ghost-hits": "S3-FIFO (adaptive)",
	fixed: "S3-FIFO",
};

export interface S3FifoOptions {
	/** Share of capacity for the small FIFO: fixed, or where ghost hits start it (the paper's 10%). */
	smallShare?: number;
	split?: SplitMode;
	/**
	 * Each ghost's size as a share of capacity: remembers recently evicted ids only. With
	 * `split: "tuned"` the tuner's setting chooses it, and this is ignored.
	 */
	ghostShare?: number;
	/** Hits needed while in the small FIFO to be moved to main rather than dropped. */
	promoteAfterHits?: number;
	/** The tuner's floor of objects per shadow (split-tuner.ts). */
	sampleFloor?: number;
}

/**
 * S3-FIFO (Yang et al., SOSP 2023): new objects enter a small FIFO; those reused there move
 * to the main FIFO, the rest are dropped into a ghost queue of ids; a miss found in the ghost
 * goes straight to main. Main is a FIFO with reinsertion while the frequency is above zero.
 *
 * Ours can also remember what main evicted, in a second ghost: a miss found there goes back
 * into main too. With `split: "tuned"` (the default) miniature simulations choose small's
 * share, whether main's ghost is kept and how long the ghosts are, or plain LRU, and follow
 * the workload as it changes (split-tuner.ts). `"ghost-hits"` keeps main's ghost and moves
 * the share by the two kinds of ghost hits (small-share.ts); `"fixed"` is the paper's fixed
 * split, where main forgets what it evicts.
 */
export class S3FifoCache implements SizedCachePolicy {
	readonly name: string;
	readonly capacity: number;
	readonly #smallShare: SmallShare;
	readonly #tuner: SplitTuner | undefined;
	readonly #mainGhostKept: boolean;
	readonly #ghostShare: number;
	readonly #promoteAfterHits: number;
	readonly #links = new IdLinks();
	readonly #small = new IdQueue(this.#links);
	readonly #main = new IdQueue(this.#links);
	readonly #smallGhost = new IdQueue(this.#links);
	readonly #mainGhost = new IdQueue(this.#links);
	#where = new Uint8Array(1024);
	#frequency = new Uint8Array(1024);
	#size = new Float64Array(1024);

	constructor(capacity: number, options: S3FifoOptions = {}) {
		this.capacity = capacity;
		const split = options.split ?? "tuned";
		this.name = NAMES[split];
		this.#smallShare = new SmallShare({
			adaptive: split === "ghost-hits",
			...(options.smallShare === undefined ? {} : { initialShare: options.smallShare }),
		});
		this.#mainGhostKept = split === "ghost-hits";
		if (split === "tuned") {
			this.#tuner = new SplitTuner(
				options.sampleFloor === undefined ? {} : { sampleFloor: options.sampleFloor },
			);
		}
		this.#ghostShare = options.ghostShare ?? 1;
		this.#promoteAfterHits = options.promoteAfterHits ?? 1;
	}

	/** The small FIFO's current size target, in capacity units (for tests and reports). */
	get smallTarget(): number {
		const share = this.#tuner?.setting.smallShare ?? this.#smallShare.value;
		return Math.floor(this.capacity * share);
	}

	/** The setting in use now: small's share, main's ghost or none, the ghosts' length. */
	get setting(): SplitSetting {
		return (
			this.#tuner?.setting ?? {
				smallShare: this.#smallShare.value,
				mainGhost: this.#mainGhostKept,
				ghostShare: this.#ghostShare,
				lru: false,
			}
		);
	}

	get used(): number {
		return this.#small.weight + this.#main.weight;
	}

	holds(id: number): boolean {
		const where = this.#where[id];
		return where === IN_SMALL || where === IN_MAIN;
	}

	request(id: number, size: number): boolean {
		this.#ensure(id);
		const tuner = this.#tuner;
		if (tuner !== undefined) {
			// Trace ids are dense integers: mixing them is a bijection, so no two collide.
			// The sampling rate follows the objects held, as in the tier (which knows no capacity
			// in objects); the shadows' capacity is the cache's, scaled by the rate.
			tuner.scale(this.#small.count + this.#main.count, this.capacity);
			const hash = mixHash(id);
			if (tuner.sampled(hash)) tuner.request(hash, size);
		}
		// Read once per request: the tuner only changes its setting inside request().
		const lru = tuner?.setting.lru === true;
		if (lru && this.#small.count > 0) this.#smallIntoMain();
		const where = this.#where[id];
		if (where === IN_SMALL || where === IN_MAIN) {
			if (lru) this.#moveToMainNewest(id);
			else {
				const frequency = this.#frequency[id] as number;
				if (frequency < MAX_FREQUENCY) this.#frequency[id] = frequency + 1;
			}
			return true;
		}
		if (size > this.capacity) return false;
		const smallGhost = this.#smallGhost.weight;
		const mainGhost = this.#mainGhost.weight;
		if (where === IN_SMALL_GHOST)
			this.#smallShare.smallGhostHit(size, this.capacity, smallGhost, mainGhost);
		else if (where === IN_MAIN_GHOST)
			this.#smallShare.mainGhostHit(size, this.capacity, smallGhost, mainGhost);
		while (this.used + size > this.capacity) this.#evict();
		// Evicting can push a ghost past its size and forget this very id: look again.
		const ghost = this.#ghostOf(this.#where[id] as number);
		// The ghost holds the id at the size it left with, which may differ from this one's.
		if (ghost !== undefined) ghost.remove(id, this.#size[id] as number);
		this.#frequency[id] = 0;
		this.#size[id] = size;
		if (ghost !== undefined || lru) {
			this.#main.pushNewest(id, size);
			this.#where[id] = IN_MAIN;
		} else {
			this.#small.pushNewest(id, size);
			this.#where[id] = IN_SMALL;
		}
		return false;
	}

	#evict(): void {
		if (this.#small.weight > this.smallTarget || this.#main.count === 0) this.#evictSmall();
		else this.#evictMain();
	}

	/** LRU's hit: the object becomes main's newest, its position standing for the use. */
	#moveToMainNewest(id: number): void {
		const size = this.#size[id] as number;
		(this.#where[id] === IN_SMALL ? this.#small : this.#main).remove(id, size);
		this.#main.pushNewest(id, size);
		this.#where[id] = IN_MAIN;
		this.#frequency[id] = 0;
	}

	/** Entering LRU: small's objects are the newest arrivals, so they join main's newest end. */
	#smallIntoMain(): void {
		while (this.#small.oldest !== NO_ID) {
			const id = this.#small.oldest;
			const size = this.#size[id] as number;
			this.#small.remove(id, size);
			this.#main.pushNewest(id, size);
			this.#where[id] = IN_MAIN;
		}
	}

	#ghostOf(where: number): IdQueue | undefined {
		if (where === IN_SMALL_GHOST) return this.#smallGhost;
		if (where === IN_MAIN_GHOST) return this.#mainGhost;
		return undefined;
	}

	/** Drops one object from small into the ghost, moving reused ones to main on the way. */
	#evictSmall(): void {
		while (this.#small.oldest !== NO_ID) {
			const id = this.#small.oldest;
			const size = this.#size[id] as number;
			this.#small.remove(id, size);
			if ((this.#frequency[id] as number) >= this.#promoteAfterHits) {
				this.#frequency[id] = 0;
				this.#main.pushNewest(id, size);
				this.#where[id] = IN_MAIN;
				continue;
			}
			this.#rememberInGhost(this.#smallGhost, IN_SMALL_GHOST, id, size);
			return;
		}
		this.#evictMain();
	}

	/**
	 * FIFO with second chances: a reused object goes round again with one less credit. Under
	 * LRU no hit counts a credit (it moves the object): one counted before the switch earns a
	 * single round, as main's order was not recency until then.
	 */
	#evictMain(): void {
		const lru = this.#tuner?.setting.lru === true;
		while (this.#main.oldest !== NO_ID) {
			const id = this.#main.oldest;
			const size = this.#size[id] as number;
			this.#main.remove(id, size);
			const frequency = this.#frequency[id] as number;
			if (frequency > 0) {
				this.#frequency[id] = lru ? 0 : frequency - 1;
				this.#main.pushNewest(id, size);
				continue;
			}
			if (this.#tuner?.setting.mainGhost ?? this.#mainGhostKept)
				this.#rememberInGhost(this.#mainGhost, IN_MAIN_GHOST, id, size);
			else this.#where[id] = ABSENT;
			return;
		}
	}

	#rememberInGhost(ghost: IdQueue, where: number, id: number, size: number): void {
		ghost.pushNewest(id, size);
		this.#where[id] = where;
		// The tuner may have shortened the ghosts since: the oldest go now, in one step. Read
		// without the setting getter, which builds an object when there is no tuner.
		const ghostShare = this.#tuner?.setting.ghostShare ?? this.#ghostShare;
		const target = Math.floor(this.capacity * ghostShare);
		while (ghost.weight > target && ghost.oldest !== NO_ID) {
			const oldest = ghost.oldest;
			ghost.remove(oldest, this.#size[oldest] as number);
			this.#where[oldest] = ABSENT;
		}
	}

	#ensure(id: number): void {
		this.#links.ensure(id);
		this.#where = grownUint8(this.#where, id);
		this.#frequency = grownUint8(this.#frequency, id);
		this.#size = grownFloat64(this.#size, id);
	}
}
