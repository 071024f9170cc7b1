/**
 * Interns keys given as byte ranges to dense ids 0, 1, 2... in order of first appearance.
 * A Map<string, number> would cost a string per request while parsing (garbage the collector
 * lets pile up to gigabytes on a long trace) and about a hundred bytes per key after; this
 * keeps each key's bytes once in an arena plus about 20 bytes of table, and compares bytes,
 * so two keys share an id only if they are equal.
 */
export class KeyTable {
	#arena = new Uint8Array(1 << 16);
	#arenaUsed = 0;
	/** Key `id` is arena[starts[id], starts[id + 1]). */
	#starts = new Float64Array(1024);
	#hashes = new Int32Array(1024);
	/** Open addressing, linear probing: an id or -1; at most half full. */
	#slots = new Int32Array(1024).fill(-1);
	#count = 0;

	get size(): number {
		return this.#count;
	}

	/** The id of bytes[start, end); a new key gets id `size` (so callers can tell it is new). */
	intern(bytes: Uint8Array, start: number, end: number): number {
		const hash = hashBytes(bytes, start, end);
		const mask = this.#slots.length - 1;
		let slot = hash & mask;
		for (;;) {
			const id = this.#slots[slot] as number;
			if (id === -1) break;
			if (this.#hashes[id] === hash && this.#equals(id, bytes, start, end)) {
				return id;
			}
			slot = (slot + 1) & mask;
		}
		const id = this.#add(bytes, start, end, hash);
		this.#slots[slot] = id;
		if (2 * this.#count > this.#slots.length) this.#rehash();
		return id;
	}

	/** Key `id` as text (for messages and tests). */
	keyOf(id: number): string {
		const from = this.#starts[id] as number;
		const to = id + 1 < this.#count ? (this.#starts[id + 1] as number) : this.#arenaUsed;
		return new TextDecoder().decode(this.#arena.subarray(from, to));
	}

	#equals(id: number, bytes: Uint8Array, start: number, end: number): boolean {
		const from = this.#starts[id] as number;
		const to = id + 1 < this.#count ? (this.#starts[id + 1] as number) : this.#arenaUsed;
		if (to - from !== end - start) return false;
		for (let i = 0; i < end - start; i++) {
			if (this.#arena[from + i] !== bytes[start + i]) return false;
		}
		return true;
	}

	#add(bytes: Uint8Array, start: number, end: number, hash: number): number {
		const id = this.#count++;
		if (id === this.#starts.length) {
			this.#starts = grown(this.#starts, Float64Array);
			this.#hashes = grown(this.#hashes, Int32Array);
		}
		const length = end - start;
		if (this.#arenaUsed + length > this.#arena.length) {
			let capacity = this.#arena.length;
			while (this.#arenaUsed + length > capacity) capacity *= 2;
			const arena = new Uint8Array(capacity);
			arena.set(this.#arena.subarray(0, this.#arenaUsed));
			this.#arena = arena;
		}
		this.#arena.set(bytes.subarray(start, end), this.#arenaUsed);
		this.#starts[id] = this.#arenaUsed;
		this.#hashes[id] = hash;
		this.#arenaUsed += length;
		return id;
	}

	#rehash(): void {
		const slots = new Int32Array(this.#slots.length * 2).fill(-1);
		const mask = slots.length - 1;
		for (let id = 0; id < this.#count; id++) {
			let slot = (this.#hashes[id] as number) & mask;
			while (slots[slot] !== -1) slot = (slot + 1) & mask;
			slots[slot] = id;
		}
		this.#slots = slots;
	}
}

function grown<T extends Float64Array | Int32Array>(array: T, Kind: new (length: number) => T): T {
	const bigger = new Kind(array.length * 2);
	bigger.set(array);
	return bigger;
}

/** FNV-1a over the bytes, finished with a murmur3 mix so the low bits (the slot) spread. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
	let hash = 0x811c9dc5;
	for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
	hash ^= hash >>> 16;
	hash = Math.imul(hash, 0x85ebca6b);
	hash ^= hash >>> 13;
	hash = Math.imul(hash, 0xc2b2ae35);
	return hash ^ (hash >>> 16);
}
