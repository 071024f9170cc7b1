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
import { HashRing } from "./hash-ring.ts";

const MIN_RING = 1024;

export class KeyGhost {
	/** Hashes in eviction order, and how often each is in it. */
	readonly #ring = new HashRing(MIN_RING);
	readonly #counts = new HashCounts(MIN_RING);

	constructor(private readonly capacity: () => number) {}

	/** How many hashes it holds (a stale slot of a forgotten hash still counts until dropped). */
	get length(): number {
		return this.#ring.length;
	}

	remember(hash: number): void {
		const ring = this.#ring;
		// Full and as large as it may grow: the oldest makes room. Otherwise the push grows it.
		if (ring.length === ring.slots && ring.slots >= Math.max(MIN_RING, this.capacity()))
			this.#dropOldest();
		ring.push(hash);
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
		// Already gone if forget() took it: then this drops a newer copy early, or nothing.
		this.#counts.remove(this.#ring.shift());
	}
}
