import { emptyKeys, findSlot, NO_SLOT, reinsertAll, slotToFill } from "./linear-probing.ts";

/** No entry id is this large (the tier's ids index its typed arrays): it marks an empty slot. */
const EMPTY = 0xffff_ffff;
const MIN_BITS = 4;

/**
 * Entry id to key hash, for the few ids a policy samples (S3FifoPolicy's split tuner): two
 * typed arrays, open addressing with linear probing and backward-shift deletion
 * (linear-probing.ts), at most half full, so 16 bytes per id held at its fullest and nothing
 * allocated per operation.
 */
export class IdHashMap {
	#ids: Uint32Array<ArrayBuffer>;
	#hashes: Uint32Array<ArrayBuffer>;
	#bits = MIN_BITS;
	#size = 0;

	constructor() {
		this.#ids = emptyKeys(MIN_BITS, EMPTY);
		this.#hashes = new Uint32Array(1 << MIN_BITS);
	}

	get size(): number {
		return this.#size;
	}

	set(id: number, hash: number): void {
		let slot = this.#find(id);
		if (this.#ids[slot] !== id) {
			if ((this.#size + 1) * 2 > this.#ids.length) {
				this.#grow();
				slot = this.#find(id);
			}
			this.#ids[slot] = id;
			this.#size++;
		}
		this.#hashes[slot] = hash >>> 0;
	}

	/** The hash stored for `id`, or undefined. */
	get(id: number): number | undefined {
		const slot = this.#find(id);
		return this.#ids[slot] === id ? (this.#hashes[slot] as number) : undefined;
	}

	delete(id: number): void {
		const slot = this.#find(id);
		if (this.#ids[slot] !== id) return;
		this.#deleteAt(slot);
		this.#size--;
	}

	/** Drops every id whose hash `keep` refuses, telling `dropped` which. */
	retain(keep: (hash: number) => boolean, dropped: (id: number) => void): void {
		const gone: number[] = [];
		for (let slot = 0; slot < this.#ids.length; slot++) {
			const id = this.#ids[slot] as number;
			if (id !== EMPTY && !keep(this.#hashes[slot] as number)) gone.push(id);
		}
		for (const id of gone) {
			this.delete(id);
			dropped(id);
		}
	}

	#find(id: number): number {
		return findSlot(this.#ids, this.#bits, id, EMPTY);
	}

	#deleteAt(slot: number): void {
		const ids = this.#ids;
		const hashes = this.#hashes;
		const bits = this.#bits;
		let hole = slot;
		let from = slotToFill(ids, bits, hole, EMPTY);
		while (from !== NO_SLOT) {
			ids[hole] = ids[from] as number;
			hashes[hole] = hashes[from] as number;
			hole = from;
			from = slotToFill(ids, bits, hole, EMPTY);
		}
		ids[hole] = EMPTY;
		hashes[hole] = 0;
	}

	#grow(): void {
		const ids = this.#ids;
		const hashes = this.#hashes;
		this.#bits++;
		this.#ids = emptyKeys(this.#bits, EMPTY);
		this.#hashes = new Uint32Array(1 << this.#bits);
		reinsertAll(ids, hashes, this.#ids, this.#hashes, this.#bits, EMPTY);
	}
}
