/**
 * The memory tier's hot set: key -> ready body view, for the most recently read entries.
 * A hit here costs what a plain Map hit costs (one lookup that yields the bytes), where the
 * full index costs a lookup for the id, a row read and a view. Bounded: past `limit` the
 * oldest admission leaves, and the tier records then the use it saw while it was hot.
 *
 * Entries with a TTL enter only with at least MIN_LIFE_MS to live, and the whole set is
 * dropped once its earliest expiry passes, so a hot hit never serves an expired object and
 * never reads the clock unless some hot entry can expire.
 */
const MIN_LIFE_MS = 1000;
const NOT_HOT = 0;
const HOT = 1;

export class HotViews {
	/** Read directly by the tier's get(), so a hot hit is a single Map lookup. */
	readonly views = new Map<string, Uint8Array>();
	/** Per entry id: HOT when its key is in #views, so mutations skip a Map lookup. */
	#flags: Uint8Array;
	/** Earliest expiry among hot entries; Infinity when none can expire. Read by get(). */
	expiresAt = Number.POSITIVE_INFINITY;

	constructor(
		private readonly limit: number,
		capacity: number,
	) {
		this.#flags = new Uint8Array(capacity);
	}

	get size(): number {
		return this.views.size;
	}

	/** Drops the whole set if its earliest expiry has passed; returns the ids that left. */
	expireIfDue(now: number, idOf: (key: string) => number | undefined): number[] {
		if (now < this.expiresAt) return [];
		return this.clear(idOf);
	}

	/**
	 * Makes `key` hot. Returns the id of an entry pushed out to make room (so the tier can
	 * record its use), or -1.
	 */
	admit(
		key: string,
		id: number,
		view: Uint8Array,
		expiresAt: number,
		now: number,
		idOf: (key: string) => number | undefined,
	): number {
		if (this.limit === 0 || expiresAt - now < MIN_LIFE_MS) return -1;
		let pushedOut = -1;
		if (this.views.size >= this.limit) {
			const oldest = this.views.keys().next().value as string;
			this.views.delete(oldest);
			const oldId = idOf(oldest);
			if (oldId !== undefined) {
				this.#flags[oldId] = NOT_HOT;
				pushedOut = oldId;
			}
		}
		this.views.set(key, view);
		this.#flags[id] = HOT;
		if (expiresAt < this.expiresAt) this.expiresAt = expiresAt;
		return pushedOut;
	}

	isHot(id: number): boolean {
		return this.#flags[id] === HOT;
	}

	/** Forgets `key` (entry `id`) if it is hot: its bytes are about to change or go. */
	drop(key: string, id: number): void {
		if (this.#flags[id] !== HOT) return;
		this.#flags[id] = NOT_HOT;
		this.views.delete(key);
	}

	/** Empties the set; returns the ids that were hot. */
	clear(idOf: (key: string) => number | undefined): number[] {
		const ids: number[] = [];
		for (const key of this.views.keys()) {
			const id = idOf(key);
			if (id !== undefined) {
				this.#flags[id] = NOT_HOT;
				ids.push(id);
			}
		}
		this.views.clear();
		this.expiresAt = Number.POSITIVE_INFINITY;
		return ids;
	}

	grow(capacity: number): void {
		if (capacity <= this.#flags.length) return;
		const flags = new Uint8Array(capacity);
		flags.set(this.#flags);
		this.#flags = flags;
	}
}
