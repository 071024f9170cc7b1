/**
 * The linearizability search's memo (Lowe): the configurations it already explored, each a
 * set of operations (linearized, or settled as never taking effect) and the key's state
 * after them. Reaching one again cannot lead anywhere new, so the search skips it.
 *
 * The set of operations is a bitset the search keeps, with a Zobrist hash (a random word
 * per operation, XORed in and out as the operation enters and leaves) updated as it does,
 * so looking a configuration up costs a hash probe and, on a hit, one comparison of the
 * words: no string is built per step. A hash collision is told apart by that comparison,
 * so the memo never skips a configuration it did not see.
 */
import { Prng } from "./prng.ts";

/** Any fixed seed: the hash only spreads entries, it decides nothing. */
const ZOBRIST_SEED = 0x6c696e;
const INITIAL_SLOTS = 1 << 10;

/**
 * Entries live in flat typed arrays (no object per configuration: the memo of a long search
 * holds millions): entry `e` is `stride` words of `data` from `e * stride`, the bitset then
 * the revision and the value id, with its hash in `hashes[e]`. `slots` is an open-addressed
 * table of entry numbers plus one (0: empty), kept at most half full.
 */
export class VisitedConfigs {
	/** The operations in the current set, one bit each. */
	readonly bits: Uint32Array;
	private readonly zobrist: Uint32Array;
	private hash = 0;
	private readonly stride: number;
	private data: Uint32Array;
	private hashes: Uint32Array;
	private slots = new Int32Array(INITIAL_SLOTS);
	private count = 0;

	constructor(operations: number) {
		this.bits = new Uint32Array(Math.ceil(operations / 32));
		const rng = new Prng(ZOBRIST_SEED);
		this.zobrist = Uint32Array.from({ length: operations }, () => rng.nextUint32());
		this.stride = this.bits.length + 2;
		this.data = new Uint32Array((INITIAL_SLOTS / 2) * this.stride);
		this.hashes = new Uint32Array(INITIAL_SLOTS / 2);
	}

	get size(): number {
		return this.count;
	}

	/** Adds or removes operation `i` from the current set (it must not be in, or be in). */
	toggle(i: number): void {
		this.bits[i >>> 5] = (this.bits[i >>> 5] as number) ^ (1 << (i & 31));
		this.hash ^= this.zobrist[i] as number;
	}

	/**
	 * Records the current set with the key's state (`valueId` standing for its value: equal
	 * values, equal ids). False if it was recorded already.
	 */
	add(revision: number, valueId: number): boolean {
		const hash =
			(this.hash ^ Math.imul(revision + 1, 0x9e3779b1) ^ Math.imul(valueId + 1, 0x85ebca6b)) >>> 0;
		const mask = this.slots.length - 1;
		const words = this.bits.length;
		for (let slot = mix(hash) & mask; ; slot = (slot + 1) & mask) {
			const found = this.slots[slot] as number;
			if (found === 0) break;
			const e = found - 1;
			if (this.hashes[e] !== hash) continue;
			const at = e * this.stride;
			if (this.data[at + words] !== revision || this.data[at + words + 1] !== valueId) continue;
			let same = true;
			for (let w = 0; w < words && same; w++) same = this.data[at + w] === this.bits[w];
			if (same) return false;
		}
		if (this.count === this.hashes.length) this.grow();
		const e = this.count++;
		const at = e * this.stride;
		this.data.set(this.bits, at);
		this.data[at + words] = revision;
		this.data[at + words + 1] = valueId;
		this.hashes[e] = hash;
		this.insert(e);
		return true;
	}

	private insert(e: number): void {
		const mask = this.slots.length - 1;
		let slot = mix(this.hashes[e] as number) & mask;
		while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
		this.slots[slot] = e + 1;
	}

	private grow(): void {
		const capacity = this.hashes.length * 2;
		const data = new Uint32Array(capacity * this.stride);
		data.set(this.data);
		this.data = data;
		const hashes = new Uint32Array(capacity);
		hashes.set(this.hashes);
		this.hashes = hashes;
		this.slots = new Int32Array(capacity * 2);
		for (let e = 0; e < this.count; e++) this.insert(e);
	}
}

/** A finalizer (murmur3's), so nearby hashes land in distant slots. */
function mix(hash: number): number {
	let h = hash;
	h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
	h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
	return (h ^ (h >>> 16)) >>> 0;
}
