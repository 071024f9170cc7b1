import { IdLinks, IdQueue, NO_ID } from "./id-lists.ts";
import { KeyGhost } from "./key-ghost.ts";
import { homeSlot, mayFillHole } from "./linear-probing.ts";
import type { SplitSetting } from "./split-tuner.ts";

const IN_SMALL = 1;
const IN_MAIN = 2;
const ONE_USE = 4;
const MAX_FREQUENCY = 3;
const FREQUENCY = MAX_FREQUENCY * ONE_USE;
const INITIAL_SLOTS = 64;

/**
 * A miniature S3-FIFO over 32-bit key hashes, for the split tuner's simulations
 * (split-tuner.ts): one fixed setting (small's share, with or without main's ghost, the
 * ghosts' length), run over the sampled keys only. It is the replayer's S3FifoCache with the
 * setting held still: promote after one hit in small, two bits of frequency in main, a ghost
 * of what small dropped (and, with `mainGhost`, of what main evicted) whose hits start in
 * main. Each ghost remembers `ghostShare` times as many keys as the shadow holds objects.
 * Under the LRU setting it is plain LRU, with the cache's rules for entering it (SplitSetting).
 *
 * Everything lives in typed arrays that grow by doubling with the objects held (no object
 * per key): about 50-60 bytes per object held, ghosts included. Two keys with one hash are one
 * object here; a model tolerates that, and the caches it steers never serve by it.
 */
export class ShadowS3Fifo {
	/** In the owner's unit (objects, or bytes); the owner may change it between requests. */
	capacity: number;
	readonly setting: SplitSetting;
	readonly #links: IdLinks;
	readonly #small: IdQueue;
	readonly #main: IdQueue;
	readonly #index: SlotIndex;
	/** Per slot: the key hash, where it is and its frequency, its size (only once one is not 1). */
	#keys: Uint32Array;
	#state: Uint8Array;
	#sizes: Float64Array | undefined;
	/** Slots freed by evictions, reused first; `#slotsUsed` is the high-water mark. */
	readonly #free: IdQueue;
	#slotsUsed: number;
	readonly #smallGhost: KeyGhost;
	readonly #mainGhost: KeyGhost;

	/** `contents`: a shadow whose objects, order and ghosts this one starts with (see copy). */
	constructor(capacity: number, setting: SplitSetting, contents?: ShadowS3Fifo) {
		this.capacity = capacity;
		this.setting = setting;
		if (contents === undefined) {
			this.#links = new IdLinks(INITIAL_SLOTS);
			this.#small = new IdQueue(this.#links);
			this.#main = new IdQueue(this.#links);
			this.#free = new IdQueue(this.#links);
			this.#index = new SlotIndex();
			this.#keys = new Uint32Array(INITIAL_SLOTS);
			this.#state = new Uint8Array(INITIAL_SLOTS);
			this.#slotsUsed = 0;
			this.#smallGhost = new KeyGhost();
			this.#mainGhost = new KeyGhost();
			return;
		}
		this.#links = contents.#links.copy();
		this.#small = contents.#small.copyOnto(this.#links);
		this.#main = contents.#main.copyOnto(this.#links);
		this.#free = contents.#free.copyOnto(this.#links);
		this.#index = contents.#index.copy();
		this.#keys = contents.#keys.slice();
		this.#state = contents.#state.slice();
		this.#sizes = contents.#sizes?.slice();
		this.#slotsUsed = contents.#slotsUsed;
		this.#smallGhost = contents.#smallGhost.copy();
		this.#mainGhost = contents.#mainGhost.copy();
		if (setting.lru) this.#smallIntoMain();
	}

	/**
	 * A shadow of another setting that starts with exactly what this one holds, in the same
	 * order, with the same ghosts and capacity. While no shadow has evicted, shadows of any
	 * setting that saw the same requests hold the same thing: the split tuner runs one until
	 * the cache's capacity is known, then copies it for each setting (split-tuner.ts).
	 */
	copy(setting: SplitSetting): ShadowS3Fifo {
		return new ShadowS3Fifo(this.capacity, setting, this);
	}

	/** Objects held right now. */
	get count(): number {
		return this.#small.count + this.#main.count;
	}

	/** Sum of the sizes of the objects held, in the capacity's unit. */
	get weight(): number {
		return this.#small.weight + this.#main.weight;
	}

	/** Whether the key is held (for tests). */
	holds(hash: number): boolean {
		return this.#index.find(hash, this.#keys) !== NO_ID;
	}

	/** One request: true on a hit. On a miss the object is admitted if it fits at all. */
	request(hash: number, size: number): boolean {
		const held = this.#index.find(hash, this.#keys);
		if (held !== NO_ID) {
			const state = this.#state[held] as number;
			if (this.setting.lru) this.#moveToMainNewest(held);
			else if ((state & FREQUENCY) < FREQUENCY) this.#state[held] = state + ONE_USE;
			return true;
		}
		if (size > this.capacity) return false;
		while (this.#small.weight + this.#main.weight + size > this.capacity && this.count > 0)
			this.#evict();
		// Looked up after making room, as the caches it steers do (the tier evicts before it
		// inserts): the evictions may push this very key out of its ghost.
		const remembered = this.#smallGhost.forget(hash) || this.#mainGhost.forget(hash);
		const slot = this.#allocate(hash, size);
		if (remembered || this.setting.lru) {
			this.#main.pushNewest(slot, size);
			this.#state[slot] = IN_MAIN;
		} else {
			this.#small.pushNewest(slot, size);
			this.#state[slot] = IN_SMALL;
		}
		return false;
	}

	/**
	 * Forgets the keys `keep` refuses, objects and ghosts alike, keeping the order of the rest:
	 * the tuner sampled fewer keys, and what is left is a sample at the new rate.
	 */
	retain(keep: (hash: number) => boolean): void {
		for (const queue of [this.#small, this.#main]) {
			for (let slot = queue.oldest; slot !== NO_ID; ) {
				const newer = this.#links.prev[slot] as number;
				if (!keep(this.#keys[slot] as number)) this.#drop(queue, slot);
				slot = newer;
			}
		}
		this.#smallGhost.retain(keep);
		this.#mainGhost.retain(keep);
	}

	#evict(): void {
		const smallTarget = Math.floor(this.capacity * this.setting.smallShare);
		if (this.#small.weight > smallTarget || this.#main.count === 0) this.#evictSmall();
		else this.#evictMain();
	}

	/** Small's oldest leaves into its ghost, unless used there: then it moves to main. */
	#evictSmall(): void {
		while (this.#small.oldest !== NO_ID) {
			const slot = this.#small.oldest;
			if (((this.#state[slot] as number) & FREQUENCY) !== 0) {
				this.#small.remove(slot, this.#sizeOf(slot));
				this.#main.pushNewest(slot, this.#sizeOf(slot));
				this.#state[slot] = IN_MAIN;
				continue;
			}
			this.#smallGhost.remember(this.#keys[slot] as number, this.#ghostLimit());
			this.#drop(this.#small, slot);
			return;
		}
		this.#evictMain();
	}

	/**
	 * Main's oldest goes round again while it has a use left, else leaves. Under LRU no hit
	 * counts a use (it moves the object instead): only a use counted before it was copied from
	 * another setting's shadow earns a round, once.
	 */
	#evictMain(): void {
		while (this.#main.oldest !== NO_ID) {
			const slot = this.#main.oldest;
			const state = this.#state[slot] as number;
			if ((state & FREQUENCY) !== 0) {
				this.#state[slot] = this.setting.lru ? state & ~FREQUENCY : state - ONE_USE;
				this.#main.remove(slot, this.#sizeOf(slot));
				this.#main.pushNewest(slot, this.#sizeOf(slot));
				continue;
			}
			if (this.setting.mainGhost)
				this.#mainGhost.remember(this.#keys[slot] as number, this.#ghostLimit());
			this.#drop(this.#main, slot);
			return;
		}
	}

	/** LRU's hit: the object becomes main's newest, its position standing for the use. */
	#moveToMainNewest(slot: number): void {
		const state = this.#state[slot] as number;
		const size = this.#sizeOf(slot);
		((state & IN_MAIN) !== 0 ? this.#main : this.#small).remove(slot, size);
		this.#main.pushNewest(slot, size);
		this.#state[slot] = IN_MAIN;
	}

	/** Entering LRU: small's objects are the newest arrivals, so they join main's newest end. */
	#smallIntoMain(): void {
		while (this.#small.oldest !== NO_ID) {
			const slot = this.#small.oldest;
			const size = this.#sizeOf(slot);
			this.#small.remove(slot, size);
			this.#main.pushNewest(slot, size);
			this.#state[slot] = ((this.#state[slot] as number) & FREQUENCY) | IN_MAIN;
		}
	}

	/** KeyGhost rounds the limit down itself. */
	#ghostLimit(): number {
		return this.count * this.setting.ghostShare;
	}

	#drop(queue: IdQueue, slot: number): void {
		queue.remove(slot, this.#sizeOf(slot));
		this.#index.delete(this.#keys[slot] as number, this.#keys);
		this.#state[slot] = 0;
		this.#free.pushNewest(slot, 0);
	}

	#allocate(hash: number, size: number): number {
		let slot = this.#free.oldest;
		if (slot !== NO_ID) this.#free.remove(slot, 0);
		else {
			slot = this.#slotsUsed++;
			if (slot === this.#keys.length) this.#grow();
		}
		this.#keys[slot] = hash;
		if (size !== 1 && this.#sizes === undefined)
			this.#sizes = new Float64Array(this.#keys.length).fill(1);
		if (this.#sizes !== undefined) this.#sizes[slot] = size;
		this.#index.insert(slot, hash, this.#keys);
		return slot;
	}

	#sizeOf(slot: number): number {
		return this.#sizes === undefined ? 1 : (this.#sizes[slot] as number);
	}

	#grow(): void {
		const length = this.#keys.length * 2;
		const keys = new Uint32Array(length);
		keys.set(this.#keys);
		this.#keys = keys;
		const state = new Uint8Array(length);
		state.set(this.#state);
		this.#state = state;
		if (this.#sizes !== undefined) {
			const sizes = new Float64Array(length).fill(1);
			sizes.set(this.#sizes);
			this.#sizes = sizes;
		}
		this.#links.ensure(length - 1);
	}
}

/**
 * Hash to slot, open addressing over slot numbers (the hashes stay in the shadow's key
 * array): linear probing, backward-shift deletion, at most half full (linear-probing.ts's
 * home slots and hole rule; its find and shift read keys through the slot numbers, so they
 * are this table's own). 8 bytes per object.
 */
class SlotIndex {
	#table = new Int32Array(INITIAL_SLOTS * 2).fill(NO_ID);
	#bits = Math.log2(INITIAL_SLOTS * 2);
	#size = 0;

	copy(): SlotIndex {
		const twin = new SlotIndex();
		twin.#table = this.#table.slice();
		twin.#bits = this.#bits;
		twin.#size = this.#size;
		return twin;
	}

	find(hash: number, keys: Uint32Array): number {
		const table = this.#table;
		const mask = table.length - 1;
		for (let at = this.#home(hash); ; at = (at + 1) & mask) {
			const slot = table[at] as number;
			if (slot === NO_ID || keys[slot] === hash) return slot;
		}
	}

	insert(slot: number, hash: number, keys: Uint32Array): void {
		if ((this.#size + 1) * 2 > this.#table.length) this.#rehash(keys);
		const table = this.#table;
		const mask = table.length - 1;
		let at = this.#home(hash);
		while (table[at] !== NO_ID) at = (at + 1) & mask;
		table[at] = slot;
		this.#size++;
	}

	delete(hash: number, keys: Uint32Array): void {
		const table = this.#table;
		const mask = table.length - 1;
		let hole = this.#home(hash);
		while (table[hole] !== NO_ID && keys[table[hole] as number] !== hash) hole = (hole + 1) & mask;
		if (table[hole] === NO_ID) return;
		this.#size--;
		for (let next = (hole + 1) & mask; table[next] !== NO_ID; next = (next + 1) & mask) {
			const home = this.#home(keys[table[next] as number] as number);
			if (!mayFillHole(hole, next, home)) continue;
			table[hole] = table[next] as number;
			hole = next;
		}
		table[hole] = NO_ID;
	}

	#home(hash: number): number {
		return homeSlot(hash, this.#bits);
	}

	#rehash(keys: Uint32Array): void {
		const old = this.#table;
		this.#bits++;
		this.#table = new Int32Array(1 << this.#bits).fill(NO_ID);
		const mask = this.#table.length - 1;
		for (const slot of old) {
			if (slot === NO_ID) continue;
			let at = this.#home(keys[slot] as number);
			while (this.#table[at] !== NO_ID) at = (at + 1) & mask;
			this.#table[at] = slot;
		}
	}
}
