import { IdLinks, IdQueue, NO_ID } from "./id-lists.ts";
import type { SizedCachePolicy } from "./sized-cache.ts";
import { SmallShare } from "./small-share.ts";
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

export interface S3FifoOptions {
	/** Share of capacity for the small probationary FIFO at the start (the paper's 10%). */
	smallShare?: number;
	/** False keeps smallShare fixed, as the paper does; true (the default) adapts it. */
	adaptive?: boolean;
	/** Each ghost's size as a share of capacity: remembers recently evicted ids only. */
	ghostShare?: number;
	/** Hits needed while in the small FIFO to be moved to main rather than dropped. */
	promoteAfterHits?: number;
}

/**
 * S3-FIFO (Yang et al., SOSP 2023): new objects enter a small FIFO; those reused there move
 * to the main FIFO, the rest are dropped into a ghost queue of ids; a miss found in the ghost
 * goes straight to main. Main is a FIFO with reinsertion while the frequency is above zero.
 *
 * Ours (`adaptive`, the default) also remembers what main evicted, in a second ghost: a miss
 * found there goes back into main too, and the two kinds of ghost hits move the split between
 * small and main (small-share.ts). `adaptive: false` is the paper's fixed split, where main
 * forgets what it evicts.
 */
export class S3FifoCache implements SizedCachePolicy {
	readonly name: string;
	readonly capacity: number;
	readonly #smallShare: SmallShare;
	readonly #adaptive: boolean;
	readonly #ghostTarget: number;
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
		const adaptive = options.adaptive ?? true;
		this.#adaptive = adaptive;
		this.name = adaptive ? "S3-FIFO (adaptive)" : "S3-FIFO";
		this.#smallShare = new SmallShare({
			adaptive,
			...(options.smallShare === undefined ? {} : { initialShare: options.smallShare }),
		});
		this.#ghostTarget = Math.floor(capacity * (options.ghostShare ?? 1));
		this.#promoteAfterHits = options.promoteAfterHits ?? 1;
	}

	/** The small FIFO's current size target, in capacity units (for tests and reports). */
	get smallTarget(): number {
		return Math.floor(this.capacity * this.#smallShare.value);
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
		const where = this.#where[id];
		if (where === IN_SMALL || where === IN_MAIN) {
			const frequency = this.#frequency[id] as number;
			if (frequency < MAX_FREQUENCY) this.#frequency[id] = frequency + 1;
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
		if (ghost !== undefined) {
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

	/** FIFO with second chances: a reused object goes round again with one less credit. */
	#evictMain(): void {
		while (this.#main.oldest !== NO_ID) {
			const id = this.#main.oldest;
			const size = this.#size[id] as number;
			this.#main.remove(id, size);
			const frequency = this.#frequency[id] as number;
			if (frequency > 0) {
				this.#frequency[id] = frequency - 1;
				this.#main.pushNewest(id, size);
				continue;
			}
			if (this.#adaptive) this.#rememberInGhost(this.#mainGhost, IN_MAIN_GHOST, id, size);
			else this.#where[id] = ABSENT;
			return;
		}
	}

	#rememberInGhost(ghost: IdQueue, where: number, id: number, size: number): void {
		ghost.pushNewest(id, size);
		this.#where[id] = where;
		while (ghost.weight > this.#ghostTarget && ghost.oldest !== NO_ID) {
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
