import type { Trace } from "./trace-file.ts";

/**
 * For each request, the index of the next request for the same object, or a value past the
 * end (trace length + index, so every value is unique) when there is none.
 */
export function nextUseIndexes(ids: Int32Array, objectCount: number): Int32Array {
	const next = new Int32Array(ids.length);
	const seenAt = new Int32Array(objectCount).fill(-1);
	for (let i = ids.length - 1; i >= 0; i--) {
		const id = ids[i] as number;
		const later = seenAt[id] as number;
		next[i] = later === -1 ? ids.length + i : later;
		seenAt[id] = i;
	}
	return next;
}

/**
 * Misses of Belady's OPT in object-count mode: on a miss with a full cache, evict whichever
 * object (the newcomer included, so it may be bypassed) is next used furthest in the future.
 * The held objects sit in a max-heap on next use, indexed by object so a hit updates its
 * entry in place: memory is the next-use array (4 bytes a request) plus the cache, and time
 * O(n log capacity), whatever the trace's length.
 */
export function beladyMisses(trace: Trace, capacity: number): number {
	const { ids } = trace;
	if (capacity < 1) return ids.length;
	const nextUse = nextUseIndexes(ids, trace.uniqueObjects);
	const heap = new IndexedMaxHeap(Math.min(capacity, trace.uniqueObjects), trace.uniqueObjects);
	let misses = 0;
	for (let i = 0; i < ids.length; i++) {
		const id = ids[i] as number;
		const next = nextUse[i] as number;
		if (heap.holds(id)) {
			heap.update(id, next);
			continue;
		}
		misses++;
		if (heap.size < capacity) heap.push(id, next);
		// Full: the newcomer replaces the furthest-used object only if that one is needed later.
		else if (heap.topValue() > next) heap.replaceTop(id, next);
	}
	return misses;
}

/** Binary max-heap of ids by value, with each id's position so it can be updated in place. */
class IndexedMaxHeap {
	readonly #values: Int32Array;
	readonly #ids: Int32Array;
	readonly #position: Int32Array;
	size = 0;

	constructor(capacity: number, idCount: number) {
		this.#values = new Int32Array(capacity);
		this.#ids = new Int32Array(capacity);
		this.#position = new Int32Array(idCount).fill(-1);
	}

	holds(id: number): boolean {
		return this.#position[id] !== -1;
	}

	topValue(): number {
		return this.#values[0] as number;
	}

	push(id: number, value: number): void {
		this.#place(this.size++, id, value);
		this.#siftUp(this.size - 1);
	}

	update(id: number, value: number): void {
		const at = this.#position[id] as number;
		this.#values[at] = value;
		this.#siftDown(this.#siftUp(at));
	}

	replaceTop(id: number, value: number): void {
		this.#position[this.#ids[0] as number] = -1;
		this.#place(0, id, value);
		this.#siftDown(0);
	}

	#place(at: number, id: number, value: number): void {
		this.#values[at] = value;
		this.#ids[at] = id;
		this.#position[id] = at;
	}

	#swap(a: number, b: number): void {
		const value = this.#values[a] as number;
		const id = this.#ids[a] as number;
		this.#place(a, this.#ids[b] as number, this.#values[b] as number);
		this.#place(b, id, value);
	}

	#siftUp(start: number): number {
		let at = start;
		while (at > 0) {
			const parent = (at - 1) >> 1;
			if ((this.#values[parent] as number) >= (this.#values[at] as number)) break;
			this.#swap(at, parent);
			at = parent;
		}
		return at;
	}

	#siftDown(start: number): void {
		let at = start;
		for (;;) {
			let child = 2 * at + 1;
			if (child >= this.size) return;
			if (
				child + 1 < this.size &&
				(this.#values[child + 1] as number) > (this.#values[child] as number)
			) {
				child++;
			}
			if ((this.#values[child] as number) <= (this.#values[at] as number)) return;
			this.#swap(at, child);
			at = child;
		}
	}
}
