const EMPTY = -1;
const MIN_BITS = 4;

/**
 * Entry id to key hash, for the few ids a policy samples (S3FifoPolicy's split tuner): two
 * typed arrays, open addressing with linear probing and backward-shift deletion, at most half
 * full, so 16 bytes per id held at its fullest and nothing allocated per operation.
 */
export class IdHashMap {
	#ids: Int32Array<ArrayBuffer>;
	#hashes: Uint32Array<ArrayBuffer>;
	#bits = MIN_BITS;
	#size = 0;

	constructor() {
		this.#ids = new Int32Array(1 << MIN_BITS).fill(EMPTY);
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
		const mask = this.#ids.length - 1;
		let slot = this.#home(id);
		for (;;) {
			const held = this.#ids[slot] as number;
			if (held === id || held === EMPTY) return slot;
			slot = (slot + 1) & mask;
		}
	}

	#home(id: number): number {
		return Math.imul(id, 0x9e3779b1) >>> (32 - this.#bits);
	}

	#deleteAt(slot: number): void {
		const ids = this.#ids;
		const hashes = this.#hashes;
		const mask = ids.length - 1;
		let hole = slot;
		for (let next = (hole + 1) & mask; ids[next] !== EMPTY; next = (next + 1) & mask) {
			const home = this.#home(ids[next] as number);
			// As in hash-counts.ts: the member at `next` stays if its home lies after the hole.
			const staysPut = hole <= next ? home > hole && home <= next : home > hole || home <= next;
			if (staysPut) continue;
			ids[hole] = ids[next] as number;
			hashes[hole] = hashes[next] as number;
			hole = next;
		}
		ids[hole] = EMPTY;
		hashes[hole] = 0;
	}

	#grow(): void {
		const ids = this.#ids;
		const hashes = this.#hashes;
		this.#bits++;
		this.#ids = new Int32Array(1 << this.#bits).fill(EMPTY);
		this.#hashes = new Uint32Array(1 << this.#bits);
		for (let i = 0; i < ids.length; i++) {
			const id = ids[i] as number;
			if (id === EMPTY) continue;
			const slot = this.#find(id);
			this.#ids[slot] = id;
			this.#hashes[slot] = hashes[i] as number;
		}
	}
}
