/**
 * Per-entry columns of the memory tier, one typed array per field and indexed by entry id.
 * Keeping entries out of JS objects is what makes a million cached objects cost tens of MB
 * of JS heap instead of a gigabyte, and keeps the GC from tracing them.
 */
const GROWTH = 1.5;

export class EntryTable {
	/** Slab handle of the entry's slot. */
	handle: Float64Array;
	/** Epoch ms after which the entry is dead; Infinity when it has no TTL. */
	expiresAt: Float64Array;
	/** Bytes of encoded metadata in front of the body in the slot. */
	metaLength: Uint32Array;
	bodyLength: Uint32Array;
	/** Readers holding the entry's bytes (CachedObject not yet released). */
	pins: Uint16Array;
	/** 1 when the entry left the index while pinned: free its slot on the last release. */
	doomed: Uint8Array;
	/** Key per id, so eviction can remove the entry from the index. */
	keys: (string | undefined)[];
	/** Purge tags per id; sparse, only entries that have tags. */
	tags: (readonly string[] | undefined)[];
	#freeIds: Int32Array;
	#freeCount = 0;
	#nextId = 0;

	constructor(
		initialCapacity: number,
		private readonly onGrow: (capacity: number) => void,
	) {
		const n = Math.max(16, initialCapacity);
		this.handle = new Float64Array(n);
		this.expiresAt = new Float64Array(n);
		this.metaLength = new Uint32Array(n);
		this.bodyLength = new Uint32Array(n);
		this.pins = new Uint16Array(n);
		this.doomed = new Uint8Array(n);
		this.keys = [];
		this.tags = [];
		this.#freeIds = new Int32Array(n);
	}

	get capacity(): number {
		return this.handle.length;
	}

	/** Ids in use (visible, or doomed and still pinned). */
	get used(): number {
		return this.#nextId - this.#freeCount;
	}

	allocateId(): number {
		if (this.#freeCount > 0) return this.#freeIds[--this.#freeCount] as number;
		if (this.#nextId === this.capacity) this.#grow();
		return this.#nextId++;
	}

	releaseId(id: number): void {
		this.keys[id] = undefined;
		this.tags[id] = undefined;
		this.pins[id] = 0;
		this.doomed[id] = 0;
		this.#freeIds[this.#freeCount++] = id;
	}

	#grow(): void {
		const capacity = Math.ceil(this.capacity * GROWTH);
		this.handle = growF64(this.handle, capacity);
		this.expiresAt = growF64(this.expiresAt, capacity);
		this.metaLength = growU32(this.metaLength, capacity);
		this.bodyLength = growU32(this.bodyLength, capacity);
		const pins = new Uint16Array(capacity);
		pins.set(this.pins);
		this.pins = pins;
		const doomed = new Uint8Array(capacity);
		doomed.set(this.doomed);
		this.doomed = doomed;
		const freeIds = new Int32Array(capacity);
		freeIds.set(this.#freeIds);
		this.#freeIds = freeIds;
		this.onGrow(capacity);
	}
}

function growF64(from: Float64Array, capacity: number): Float64Array {
	const to = new Float64Array(capacity);
	to.set(from);
	return to;
}

function growU32(from: Uint32Array, capacity: number): Uint32Array {
	const to = new Uint32Array(capacity);
	to.set(from);
	return to;
}
