/**
 * A ghost FIFO of key hashes: what a policy evicted recently, remembered without the entry.
 * The memory tier reuses entry ids, so ghosts there must remember keys, not ids; a 32-bit
 * hash is enough, because a collision only changes where an entry starts, never what bytes
 * are served. The split tuner's shadows (shadow-s3-fifo.ts) keep the same ghosts over the
 * sampled keys, so a simulation remembers exactly what the cache it steers would.
 *
 * It holds at most `limit` live hashes, the limit given on each insert (so it follows the
 * owner's size and setting): the oldest leave first. A forgotten hash leaves a stale ring
 * slot, dropped in turn, and the ring never holds more than twice the limit. Membership is a
 * typed-array multiset (hash-counts.ts): about 16 bytes per remembered key, ring included,
 * where a Map cost over 50.
 */
import { HashCounts } from "./hash-counts.ts";
import { HashRing } from "./hash-ring.ts";

const INITIAL_SLOTS = 64;

export class KeyGhost {
	readonly #ring: HashRing;
	/** Hashes remembered and not yet forgotten (the ring may also hold stale slots). */
	#live: number;
	readonly #counts: HashCounts;

	constructor(
		ring = new HashRing(INITIAL_SLOTS),
		live = 0,
		counts = new HashCounts(INITIAL_SLOTS),
	) {
		this.#ring = ring;
		this.#live = live;
		this.#counts = counts;
	}

	/** How many hashes it remembers. */
	get length(): number {
		return this.#live;
	}

	copy(): KeyGhost {
		return new KeyGhost(this.#ring.copy(), this.#live, this.#counts.copy());
	}

	/**
	 * Remembers the hash, first dropping the oldest while `limit` (at least 1) are live. A
	 * limit that is not a finite number is refused: NaN or Infinity would drop nothing, and
	 * the ghost would grow without bound.
	 */
	remember(hash: number, limit: number): void {
		if (!Number.isFinite(limit))
			throw new RangeError(`a ghost's limit must be finite, got ${limit}`);
		const most = Math.max(1, Math.floor(limit));
		const ring = this.#ring;
		while (ring.length > 0 && (this.#live >= most || ring.length >= 2 * most)) this.#dropOldest();
		ring.push(hash);
		this.#live++;
		this.#counts.add(hash);
	}

	/** True (and forgets one occurrence) when the hash is in the ghost. */
	forget(hash: number): boolean {
		// The ring keeps the stale slot; when it is dropped it may take a newer occurrence of
		// the same hash with it. The ghost is a hint, so forgetting early only costs a round
		// in the small FIFO.
		if (!this.#counts.remove(hash)) return false;
		this.#live--;
		return true;
	}

	/** Forgets every hash `keep` refuses, keeping the others' order. */
	retain(keep: (hash: number) => boolean): void {
		this.#ring.retain(keep, (hash) => {
			while (this.#counts.remove(hash)) this.#live--;
		});
	}

	#dropOldest(): void {
		// Already gone if forget() took it: then this drops a newer copy early, or nothing.
		if (this.#counts.remove(this.#ring.shift())) this.#live--;
	}
}
