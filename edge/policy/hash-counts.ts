/**
 * A multiset of 32-bit hashes in two typed arrays (open addressing, linear probing,
 * backward-shift deletion): what a ghost FIFO needs to answer "was this key evicted
 * lately?". A Map<number, number> costs about 52 bytes of JS heap per entry; this costs 12
 * at its fullest (half-full tables of 4-byte keys and 2-byte counts) and allocates nothing
 * per operation. Hash 0 marks an empty slot, so it is stored as 1: a collision, which a
 * ghost tolerates (it only changes where an entry starts, never what is served).
 */
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
		this.#keys = new Uint32Array(1 << this.#bits);
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

	/** The slot holding `key`, or the empty slot where it would go. */
	#find(key: number): number {
		const mask = this.#keys.length - 1;
		let slot = this.#home(key);
		for (;;) {
			const held = this.#keys[slot] as number;
			if (held === key || held === EMPTY) return slot;
			slot = (slot + 1) & mask;
		}
	}

	/** Fibonacci hashing: the top bits of a multiplicative mix, well spread for any input. */
	#home(key: number): number {
		return Math.imul(key, 0x9e3779b1) >>> (32 - this.#bits);
	}

	/** Empties `slot`, shifting back later members of its probe run so none is cut off. */
	#deleteAt(slot: number): void {
		const keys = this.#keys;
		const counts = this.#counts;
		const mask = keys.length - 1;
		let hole = slot;
		let next = (hole + 1) & mask;
		while (keys[next] !== EMPTY) {
			const home = this.#home(keys[next] as number);
			// The member at `next` may fill the hole unless its home lies after the hole,
			// up to `next` itself (cyclically): then moving it would put it before its home.
			const staysPut = hole <= next ? home > hole && home <= next : home > hole || home <= next;
			if (!staysPut) {
				keys[hole] = keys[next] as number;
				counts[hole] = counts[next] as number;
				hole = next;
			}
			next = (next + 1) & mask;
		}
		keys[hole] = EMPTY;
		counts[hole] = 0;
	}

	#grow(): void {
		const keys = this.#keys;
		const counts = this.#counts;
		this.#bits++;
		this.#keys = new Uint32Array(1 << this.#bits);
		this.#counts = new Uint16Array(1 << this.#bits);
		for (let i = 0; i < keys.length; i++) {
			const key = keys[i] as number;
			if (key === EMPTY) continue;
			const slot = this.#find(key);
			this.#keys[slot] = key;
			this.#counts[slot] = counts[i] as number;
		}
	}
}

function stored(hash: number): number {
	const key = hash >>> 0;
	return key === EMPTY ? 1 : key;
}
