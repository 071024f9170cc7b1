/**
 * A ghost FIFO of key hashes: what a policy evicted recently, remembered without the entry.
 * The memory tier reuses entry ids, so ghosts there must remember keys, not ids; a 32-bit
 * hash is enough, because a collision only changes where an entry starts, never what bytes
 * are served. Its ring doubles from 1024 slots while it is smaller than `capacity()` (read on
 * each insert, so it follows the tier's size), then drops the oldest: it holds up to the power
 * of two at or above max(1024, capacity), and never shrinks. Membership is a typed-array
 * multiset (hash-counts.ts): about 16 bytes per remembered key, ring included, where a Map
 * cost over 50.
 */
import { HashCounts } from "./hash-counts.ts";

const MIN_RING = 1024;

export class KeyGhost {
	/** Hashes in eviction order (a ring), and how often each is in it. */
	#ring = new Uint32Array(MIN_RING);
	#start = 0;
	#length = 0;
	readonly #counts = new HashCounts(MIN_RING);

	constructor(private readonly capacity: () => number) {}

	/** How many hashes it holds (a stale slot of a forgotten hash still counts until dropped). */
	get length(): number {
		return this.#length;
	}

	remember(hash: number): void {
		if (this.#length === this.#ring.length) {
			if (this.#ring.length < Math.max(MIN_RING, this.capacity())) this.#grow();
			else this.#dropOldest();
		}
		this.#ring[(this.#start + this.#length) % this.#ring.length] = hash;
		this.#length++;
		this.#counts.add(hash);
	}

	/** True (and forgets one occurrence) when the hash is in the ghost. */
	forget(hash: number): boolean {
		if (!this.#counts.remove(hash)) return false;
		// The ring keeps the stale slot; when it is dropped it may take a newer occurrence of
		// the same hash with it. The ghost is a hint, so forgetting early only costs a round
		// in the small FIFO.
		return true;
	}

	#dropOldest(): void {
		const hash = this.#ring[this.#start] as number;
		this.#start = (this.#start + 1) % this.#ring.length;
		this.#length--;
		// Already gone if forget() took it: then this drops a newer copy early, or nothing.
		this.#counts.remove(hash);
	}

	#grow(): void {
		const ring = new Uint32Array(this.#ring.length * 2);
		for (let i = 0; i < this.#length; i++) {
			ring[i] = this.#ring[(this.#start + i) % this.#ring.length] as number;
		}
		this.#ring = ring;
		this.#start = 0;
	}
}
