import { IdLinks, IdQueue, NO_ID } from "./id-lists.ts";
import type { SizedCachePolicy } from "./sized-cache.ts";
import { grownFloat64, grownUint8 } from "./typed-growth.ts";

const ABSENT = 0;
const IN_SMALL = 1;
const IN_MAIN = 2;
const IN_GHOST = 3;
/** Two bits of frequency are enough to tell one-hit wonders from reused objects. */
const MAX_FREQUENCY = 3;

export interface S3FifoOptions {
	/** Share of capacity for the small probationary FIFO (the paper's 10%). */
	smallShare?: number;
	/** Ghost queue size as a share of capacity: remembers recently evicted ids only. */
	ghostShare?: number;
	/** Hits needed while in the small FIFO to be moved to main rather than dropped. */
	promoteAfterHits?: number;
}

/**
 * S3-FIFO (Yang et al., SOSP 2023): new objects enter a small FIFO; those reused there move
 * to the main FIFO, the rest are dropped into a ghost queue of ids; a miss found in the ghost
 * goes straight to main. Main is a FIFO with reinsertion while the frequency is above zero.
 */
export class S3FifoCache implements SizedCachePolicy {
	readonly name = "S3-FIFO";
	readonly capacity: number;
	readonly #smallTarget: number;
	readonly #ghostTarget: number;
	readonly #promoteAfterHits: number;
	readonly #links = new IdLinks();
	readonly #small = new IdQueue(this.#links);
	readonly #main = new IdQueue(this.#links);
	readonly #ghost = new IdQueue(this.#links);
	#where = new Uint8Array(1024);
	#frequency = new Uint8Array(1024);
	#size = new Float64Array(1024);

	constructor(capacity: number, options: S3FifoOptions = {}) {
		this.capacity = capacity;
		this.#smallTarget = Math.floor(capacity * (options.smallShare ?? 0.1));
		this.#ghostTarget = Math.floor(capacity * (options.ghostShare ?? 0.9));
		this.#promoteAfterHits = options.promoteAfterHits ?? 1;
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
		while (this.used + size > this.capacity) this.#evict();
		// Evicting can push the ghost past its size and forget this very id: look again.
		const remembered = this.#where[id] === IN_GHOST;
		this.#frequency[id] = 0;
		this.#size[id] = size;
		if (remembered) {
			this.#ghost.remove(id, size);
			this.#main.pushNewest(id, size);
			this.#where[id] = IN_MAIN;
		} else {
			this.#small.pushNewest(id, size);
			this.#where[id] = IN_SMALL;
		}
		return false;
	}

	#evict(): void {
		if (this.#small.weight > this.#smallTarget || this.#main.count === 0) this.#evictSmall();
		else this.#evictMain();
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
			this.#rememberInGhost(id, size);
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
			this.#where[id] = ABSENT;
			return;
		}
	}

	#rememberInGhost(id: number, size: number): void {
		this.#ghost.pushNewest(id, size);
		this.#where[id] = IN_GHOST;
		while (this.#ghost.weight > this.#ghostTarget && this.#ghost.oldest !== NO_ID) {
			const oldest = this.#ghost.oldest;
			this.#ghost.remove(oldest, this.#size[oldest] as number);
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
