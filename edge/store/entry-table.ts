/**
 * Per-entry state of the memory tier, indexed by entry id. The fields a hit needs live
 * together in one Float64Array row (24 bytes), so a lookup costs one cache miss here rather
 * than one per field. Keeping entries out of JS objects is what
 * makes a million cached objects cost tens of MB of JS heap instead of a gigabyte.
 */
/** Modest growth: a table for a million entries overshoots by a few percent, not half. */
const GROWTH = 1.25;

/** Row layout: the offsets of each field within an entry's row. */
export const ROW = 3;
export const HANDLE = 0;
/** Epoch ms after which the entry is dead; Infinity when it has no TTL. */
export const EXPIRES_AT = 1;
/** Metadata length * 2^21 + body length (each at most 1 MiB, so both fit exactly). */
export const LENGTHS = 2;
const LENGTH_UNIT = 2 ** 21;

export function packLengths(metaLength: number, bodyLength: number): number {
	return metaLength * LENGTH_UNIT + bodyLength;
}

export function metaLengthOf(lengths: number): number {
	return Math.floor(lengths / LENGTH_UNIT);
}

export function bodyLengthOf(lengths: number): number {
	return lengths % LENGTH_UNIT;
}

export class EntryTable {
	/** ROW numbers per id: handle, expiresAt, packed lengths. */
	rows: Float64Array;
	/** Key per id, so eviction can remove the entry from the index. */
	readonly keys: (string | undefined)[] = [];
	/**
	 * Readers holding an entry's bytes (CachedObject not yet released), per id. A column,
	 * though most entries are unpinned at any moment: every hit pins and releases, and a Map
	 * entry made and deleted per hit cost about 40 ns of a 450 ns lookup, where a count in a
	 * column costs 5 ns (4 bytes an entry: 4 MB for a million). Returns to 0 on the last
	 * release, so a reused id starts unpinned with nothing to clear.
	 */
	#pins: Uint32Array;
	/** Entries that left the index while pinned: freed on their last release (rare). */
	readonly #doomed = new Set<number>();
	#capacity: number;
	#freeIds = new Int32Array(1024);
	#freeCount = 0;
	#nextId = 0;

	constructor(
		initialCapacity: number,
		private readonly onGrow: (capacity: number) => void,
	) {
		this.#capacity = Math.max(16, initialCapacity);
		this.rows = new Float64Array(this.#capacity * ROW);
		this.#pins = new Uint32Array(this.#capacity);
		this.#fillKeys();
	}

	/** Every id handed out so far is below this. */
	get idLimit(): number {
		return this.#nextId;
	}

	get capacity(): number {
		return this.#capacity;
	}

	allocateId(): number {
		if (this.#freeCount > 0) return this.#freeIds[--this.#freeCount] as number;
		if (this.#nextId === this.#capacity) this.#grow();
		return this.#nextId++;
	}

	/** Returns an id for reuse; the caller has cleared its pins. */
	releaseId(id: number): void {
		this.keys[id] = undefined;
		if (this.#freeCount === this.#freeIds.length) {
			const grown = new Int32Array(this.#freeIds.length * 2);
			grown.set(this.#freeIds);
			this.#freeIds = grown;
		}
		this.#freeIds[this.#freeCount++] = id;
	}

	isPinned(id: number): boolean {
		return (this.#pins[id] as number) > 0;
	}

	pin(id: number): void {
		this.#pins[id] = (this.#pins[id] as number) + 1;
	}

	/** Drops one pin; true when that was the last one (or the entry held none). */
	unpin(id: number): boolean {
		const held = this.#pins[id] as number;
		if (held > 1) {
			this.#pins[id] = held - 1;
			return false;
		}
		this.#pins[id] = 0;
		return true;
	}

	doom(id: number): void {
		this.#doomed.add(id);
	}

	/** True (and forgets it) when the entry was doomed while pinned. */
	takeDoomed(id: number): boolean {
		return this.#doomed.size > 0 && this.#doomed.delete(id);
	}

	#grow(): void {
		const capacity = Math.ceil(this.#capacity * GROWTH);
		const rows = new Float64Array(capacity * ROW);
		rows.set(this.rows);
		this.rows = rows;
		const pins = new Uint32Array(capacity);
		pins.set(this.#pins);
		this.#pins = pins;
		this.#capacity = capacity;
		this.#fillKeys();
		this.onGrow(capacity);
	}

	/** Grows the keys array by push: assigning `length` would make it sparse (slow). */
	#fillKeys(): void {
		while (this.keys.length < this.#capacity) this.keys.push(undefined);
	}
}
