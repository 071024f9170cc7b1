import type { EvictionPolicy } from "./eviction.ts";

const NONE = -1;

/**
 * Least recently used, as a doubly linked list threaded through two Int32Arrays: no object
 * per entry, so a million entries cost 8 MB of typed arrays and nothing for the GC to trace.
 */
export class LruPolicy implements EvictionPolicy {
	readonly name = "lru";
	readonly needsEveryAccess = true;
	readonly wantsKeyHash = false;
	#prev: Int32Array;
	#next: Int32Array;
	/** Most recently used. */
	#head = NONE;
	/** Least recently used: the first victim. */
	#tail = NONE;

	constructor(initialCapacity = 1024) {
		this.#prev = new Int32Array(initialCapacity).fill(NONE);
		this.#next = new Int32Array(initialCapacity).fill(NONE);
	}

	grow(capacity: number): void {
		if (capacity <= this.#prev.length) return;
		const prev = new Int32Array(capacity).fill(NONE);
		const next = new Int32Array(capacity).fill(NONE);
		prev.set(this.#prev);
		next.set(this.#next);
		this.#prev = prev;
		this.#next = next;
	}

	inserted(id: number): void {
		// Idempotent: inserting a linked id again only makes it the most recent.
		if (this.#isLinked(id)) this.#unlink(id);
		this.#linkAtHead(id);
	}

	accessed(id: number): void {
		if (this.#head === id || !this.#isLinked(id)) return;
		this.#unlink(id);
		this.#linkAtHead(id);
	}

	removed(id: number): void {
		// Removing an id that is not in the list must not unlink its neighbours' ends.
		if (this.#isLinked(id)) this.#unlink(id);
	}

	/** Linked ids have a neighbour, or are the whole list. */
	#isLinked(id: number): boolean {
		return this.#prev[id] !== NONE || this.#next[id] !== NONE || this.#head === id;
	}

	nextVictim(after: number): number {
		return after === NONE ? this.#tail : (this.#prev[after] as number);
	}

	#linkAtHead(id: number): void {
		this.#prev[id] = NONE;
		this.#next[id] = this.#head;
		if (this.#head !== NONE) this.#prev[this.#head] = id;
		this.#head = id;
		if (this.#tail === NONE) this.#tail = id;
	}

	#unlink(id: number): void {
		const prev = this.#prev[id] as number;
		const next = this.#next[id] as number;
		if (prev !== NONE) this.#next[prev] = next;
		else this.#head = next;
		if (next !== NONE) this.#prev[next] = prev;
		else this.#tail = prev;
		this.#prev[id] = NONE;
		this.#next[id] = NONE;
	}
}
