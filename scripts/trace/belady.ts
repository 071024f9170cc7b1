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
 * A max-heap of next-use times with lazy deletion: stale entries are skipped when popped.
 */
export function beladyMisses(trace: Trace, capacity: number): number {
	const { ids } = trace;
	if (capacity < 1) return ids.length;
	const nextUse = nextUseIndexes(ids, trace.uniqueObjects);
	const currentNext = new Int32Array(trace.uniqueObjects).fill(-1);
	const heap = new MaxHeap(ids.length);
	let held = 0;
	let misses = 0;
	for (let i = 0; i < ids.length; i++) {
		const id = ids[i] as number;
		const next = nextUse[i] as number;
		if (currentNext[id] === -1) {
			misses++;
			held++;
		}
		currentNext[id] = next;
		heap.push(next, id);
		while (held > capacity) {
			const [value, victim] = heap.pop();
			if (currentNext[victim] !== value) continue;
			currentNext[victim] = -1;
			held--;
		}
	}
	return misses;
}

/** Binary max-heap of (value, id) pairs in two Int32Arrays. */
class MaxHeap {
	readonly #values: Int32Array;
	readonly #ids: Int32Array;
	#length = 0;

	constructor(capacity: number) {
		this.#values = new Int32Array(capacity);
		this.#ids = new Int32Array(capacity);
	}

	push(value: number, id: number): void {
		if (this.#length === this.#values.length) this.#compact();
		let i = this.#length++;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if ((this.#values[parent] as number) >= value) break;
			this.#values[i] = this.#values[parent] as number;
			this.#ids[i] = this.#ids[parent] as number;
			i = parent;
		}
		this.#values[i] = value;
		this.#ids[i] = id;
	}

	pop(): [number, number] {
		const top: [number, number] = [this.#values[0] as number, this.#ids[0] as number];
		const last = --this.#length;
		const value = this.#values[last] as number;
		const id = this.#ids[last] as number;
		let i = 0;
		for (;;) {
			let child = 2 * i + 1;
			if (child >= last) break;
			if (
				child + 1 < last &&
				(this.#values[child + 1] as number) > (this.#values[child] as number)
			) {
				child++;
			}
			if ((this.#values[child] as number) <= value) break;
			this.#values[i] = this.#values[child] as number;
			this.#ids[i] = this.#ids[child] as number;
			i = child;
		}
		this.#values[i] = value;
		this.#ids[i] = id;
		return top;
	}

	/** Never needed with one push per request and a heap sized to the trace; kept as a guard. */
	#compact(): void {
		throw new Error("heap full: more pushes than requests");
	}
}
