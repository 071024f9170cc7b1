import { grownInt32 } from "./typed-growth.ts";

export const NO_ID = -1;

/**
 * Several doubly linked queues of ids sharing two Int32Arrays. An id sits in at most one
 * queue at a time, which is what every multi-queue policy (window/probation/protected,
 * small/main/ghost) needs, and it costs no object per entry.
 */
export class IdLinks {
	prev: Int32Array<ArrayBuffer>;
	next: Int32Array<ArrayBuffer>;

	constructor(initialIds = 1024) {
		this.prev = new Int32Array(initialIds).fill(NO_ID);
		this.next = new Int32Array(initialIds).fill(NO_ID);
	}

	ensure(id: number): void {
		if (id < this.prev.length) return;
		this.prev = grownInt32(this.prev, id, NO_ID);
		this.next = grownInt32(this.next, id, NO_ID);
	}

	/** Links of their own with the same contents (for a queue's copyOnto). */
	copy(): IdLinks {
		const twin = new IdLinks(0);
		twin.prev = this.prev.slice();
		twin.next = this.next.slice();
		return twin;
	}
}

/** One queue: `newest` is where pushes go, `oldest` is the next to leave. */
export class IdQueue {
	newest = NO_ID;
	oldest = NO_ID;
	count = 0;
	/** Sum of the sizes of the ids in the queue, in the owner's unit. */
	weight = 0;
	readonly #links: IdLinks;

	constructor(links: IdLinks) {
		this.#links = links;
	}

	pushNewest(id: number, size: number): void {
		const links = this.#links;
		links.prev[id] = NO_ID;
		links.next[id] = this.newest;
		if (this.newest !== NO_ID) links.prev[this.newest] = id;
		this.newest = id;
		if (this.oldest === NO_ID) this.oldest = id;
		this.count++;
		this.weight += size;
	}

	remove(id: number, size: number): void {
		const links = this.#links;
		const prev = links.prev[id] as number;
		const next = links.next[id] as number;
		if (prev !== NO_ID) links.next[prev] = next;
		else this.newest = next;
		if (next !== NO_ID) links.prev[next] = prev;
		else this.oldest = prev;
		links.prev[id] = NO_ID;
		links.next[id] = NO_ID;
		this.count--;
		this.weight -= size;
	}

	/** The same queue over `links`, a copy of the links this one runs over. */
	copyOnto(links: IdLinks): IdQueue {
		const twin = new IdQueue(links);
		twin.newest = this.newest;
		twin.oldest = this.oldest;
		twin.count = this.count;
		twin.weight = this.weight;
		return twin;
	}

	/** The id pushed just before `id` went in, toward the oldest end. */
	olderThan(id: number): number {
		return this.#links.next[id] as number;
	}
}
