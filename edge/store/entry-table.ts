/**
 * Per-entry state of the memory tier, indexed by entry id. The fields a hit needs live
 * together in one Float64Array row (32 bytes: two rows a cache line), so a lookup costs one
 * cache miss here rather than one per field. Keeping entries out of JS objects is what
 * makes a million cached objects cost tens of MB of JS heap instead of a gigabyte.
 */
const GROWTH = 1.5;

/** Row layout: the offsets of each field within an entry's row. */
export const ROW = 4;
export const HANDLE = 0;
/** Epoch ms after which the entry is dead; Infinity when it has no TTL. */
export const EXPIRES_AT = 1;
/** Arena offset of the body's first byte (the slot's offset plus its metadata length). */
export const BODY_OFFSET = 2;
export const BODY_LENGTH = 3;

export class EntryTable {
	/** ROW numbers per id: handle, expiresAt, bodyOffset, bodyLength. */
	rows: Float64Array;
	/** Readers holding the entry's bytes (CachedObject not yet released). */
	pins: Uint16Array;
	/** 1 when the entry left the index while pinned: free its slot on the last release. */
	doomed: Uint8Array;
	/** Key per id, so eviction can remove the entry from the index. */
	readonly keys: (string | undefined)[] = [];
	/** Purge tags per id; only entries that have tags. */
	readonly tags: (readonly string[] | undefined)[] = [];
	#capacity: number;
	#freeIds: Int32Array;
	#freeCount = 0;
	#nextId = 0;

	constructor(
		initialCapacity: number,
		private readonly onGrow: (capacity: number) => void,
	) {
		this.#capacity = Math.max(16, initialCapacity);
		this.rows = new Float64Array(this.#capacity * ROW);
		this.pins = new Uint16Array(this.#capacity);
		this.doomed = new Uint8Array(this.#capacity);
		this.#freeIds = new Int32Array(this.#capacity);
		this.#fillKeys();
	}

	get capacity(): number {
		return this.#capacity;
	}

	allocateId(): number {
		if (this.#freeCount > 0) return this.#freeIds[--this.#freeCount] as number;
		if (this.#nextId === this.#capacity) this.#grow();
		return this.#nextId++;
	}

	/**
	 * Returns an id for reuse. Callers leave pins and doomed at 0 and tags cleared before
	 * releasing, so this touches no column but the key (dropped so the string can go).
	 */
	releaseId(id: number): void {
		this.keys[id] = undefined;
		this.#freeIds[this.#freeCount++] = id;
	}

	#grow(): void {
		const capacity = Math.ceil(this.#capacity * GROWTH);
		this.rows = copyInto(new Float64Array(capacity * ROW), this.rows);
		this.pins = copyInto(new Uint16Array(capacity), this.pins);
		this.doomed = copyInto(new Uint8Array(capacity), this.doomed);
		this.#freeIds = copyInto(new Int32Array(capacity), this.#freeIds);
		this.#capacity = capacity;
		this.#fillKeys();
		this.onGrow(capacity);
	}

	/** Grows the JS arrays by push: assigning `length` would make them sparse (slow). */
	#fillKeys(): void {
		while (this.keys.length < this.#capacity) {
			this.keys.push(undefined);
			this.tags.push(undefined);
		}
	}
}

function copyInto<T extends Float64Array | Uint16Array | Uint8Array | Int32Array>(
	to: T,
	from: T,
): T {
	to.set(from);
	return to;
}
