/**
 * A multiset of 32-bit hashes in two typed arrays (open addressing, linear probing,
 * backward-shift deletion: linear-probing.ts): what a ghost FIFO needs to answer "was this
 * key evicted lately?". A Map<number, number> costs about 52 bytes of JS heap per entry; this
 * costs 12 at its fullest (half-full tables of 4-byte keys and 2-byte counts) and allocates
 * nothing per operation. Hash 0 marks an empty slot, so it is stored as 1: a collision, which
 * a ghost tolerates (it only changes where an entry starts, never what is served).
 */
import { emptyKeys, findSlot, NO_SLOT, reinsertAll, slotToFill } from "./linear-probing.ts";

const EMPTY = 0;
const MAX_COUNT = 0xffff;
const MIN_BITS = 4;

export class HashCounts {
	#keys: Uint32Array;
	#counts: Uint16Array;
	#bits: number;
	#size = 0;

	constructor(expected = 1024) {
		this.#bits = MIN_BITS;
		while (1 << this.#bits < expected * 2) this.#bits++;
		this.#keys = emptyKeys(this.#bits, EMPTY);
		this.#counts = new Uint16Array(1 << this.#bits);
	}

	/** Distinct hashes held. */
	get size(): number {
		return this.#size;
	}

	add(hash: number): void {
		const key = stored(hash);
		let slot = this.#find(key);
		if (this.#keys[slot] === key) {
			// Saturates: past 65535 copies a later remove may forget the hash early (a hint).
			const count = this.#counts[slot] as number;
			if (count < MAX_COUNT) this.#counts[slot] = count + 1;
			return;
		}
		if ((this.#size + 1) * 2 > this.#keys.length) {
			this.#grow();
			slot = this.#find(key);
		}
		this.#keys[slot] = key;
		this.#counts[slot] = 1;
		this.#size++;
	}

	/** Removes one copy; false when the hash is not held. */
	remove(hash: number): boolean {
		const key = stored(hash);
		const slot = this.#find(key);
		if (this.#keys[slot] !== key) return false;
		const count = this.#counts[slot] as number;
		if (count > 1) {
			this.#counts[slot] = count - 1;
			return true;
		}
		this.#deleteAt(slot);
		this.#size--;
		return true;
	}

	/** A multiset of its own with the same contents and the same table layout. */
	copy(): HashCounts {
		const twin = new HashCounts(0);
		twin.#keys = this.#keys.slice();
		twin.#counts = this.#counts.slice();
		twin.#bits = this.#bits;
		twin.#size = this.#size;
		return twin;
	}

	has(hash: number): boolean {
		const key = stored(hash);
		return this.#keys[this.#find(key)] === key;
	}

	#find(key: number): number {
		return findSlot(this.#keys, this.#bits, key, EMPTY);
	}

	/** Empties `slot`, shifting back later members of its probe run so none is cut off. */
	#deleteAt(slot: number): void {
		const keys = this.#keys;
		const counts = this.#counts;
		const bits = this.#bits;
		let hole = slot;
		let from = slotToFill(keys, bits, hole, EMPTY);
		while (from !== NO_SLOT) {
			keys[hole] = keys[from] as number;
			counts[hole] = counts[from] as number;
			hole = from;
			from = slotToFill(keys, bits, hole, EMPTY);
		}
		keys[hole] = EMPTY;
		counts[hole] = 0;
	}

	#grow(): void {
		const keys = this.#keys;
		const counts = this.#counts;
		this.#bits++;
		this.#keys = emptyKeys(this.#bits, EMPTY);
		this.#counts = new Uint16Array(1 << this.#bits);
		reinsertAll(keys, counts, this.#keys, this.#counts, this.#bits, EMPTY);
	}
}

function stored(hash: number): number {
	const key = hash >>> 0;
	return key === EMPTY ? 1 : key;
}
