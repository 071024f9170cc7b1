import type { EvictionPolicy } from "./eviction.ts";

const NONE = -1;

/**
 * CLOCK (second chance), the classic approximation of LRU: a hit sets one reference byte,
 * and the hand sweeping for a victim clears set bytes and takes the first clear one. A hit
 * touches a single byte instead of relinking a list (three or four scattered cache lines
 * for LRU), which is what keeps L0 gets near a plain Map's speed. New entries start
 * unreferenced, so a scan of one-hit objects is evicted before the working set.
 */
export class ClockPolicy implements EvictionPolicy {
	readonly name = "clock";
	readonly needsEveryAccess = false;
	readonly wantsKeyHash = false;
	#referenced: Uint8Array;
	#present: Uint8Array;
	/** One past the highest id ever inserted: the hand's range. */
	#limit = 0;
	#hand = 0;

	constructor(initialCapacity = 1024) {
		this.#referenced = new Uint8Array(initialCapacity);
		this.#present = new Uint8Array(initialCapacity);
	}

	grow(capacity: number): void {
		if (capacity <= this.#present.length) return;
		const referenced = new Uint8Array(capacity);
		referenced.set(this.#referenced);
		this.#referenced = referenced;
		const present = new Uint8Array(capacity);
		present.set(this.#present);
		this.#present = present;
	}

	inserted(id: number): void {
		this.#present[id] = 1;
		this.#referenced[id] = 0;
		if (id >= this.#limit) this.#limit = id + 1;
	}

	accessed(id: number): void {
		this.#referenced[id] = 1;
	}

	removed(id: number): void {
		this.#present[id] = 0;
		this.#referenced[id] = 0;
	}

	nextVictim(after: number): number {
		const limit = this.#limit;
		if (limit === 0) return NONE;
		if (after !== NONE) return this.#nextCandidate(after);
		let i = this.#hand;
		// Two sweeps: the first may only clear reference bytes, the second must find one.
		for (let steps = 0; steps < 2 * limit; steps++) {
			if (this.#present[i] === 1) {
				if (this.#referenced[i] === 0) {
					this.#hand = i;
					return i;
				}
				this.#referenced[i] = 0;
			}
			i = i + 1 === limit ? 0 : i + 1;
		}
		return NONE;
	}

	/**
	 * Walks the remaining candidates after `after` in hand order, one lap at most, without
	 * touching reference bytes: a scan that finds nothing must not erase the record of use.
	 */
	#nextCandidate(after: number): number {
		const limit = this.#limit;
		let i = after + 1 === limit ? 0 : after + 1;
		while (i !== this.#hand) {
			if (this.#present[i] === 1) return i;
			i = i + 1 === limit ? 0 : i + 1;
		}
		return NONE;
	}
}
