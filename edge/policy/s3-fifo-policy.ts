import type { EvictionPolicy } from "./eviction.ts";
import { IdLinks, IdQueue, NO_ID } from "./id-lists.ts";
import { KeyGhost } from "./key-ghost.ts";
import { SmallShare, type SmallShareOptions } from "./small-share.ts";

const ABSENT = 0;
const IN_SMALL = 1;
const IN_MAIN = 2;
const MAX_FREQUENCY = 3;
/** Bits 0-1 of an id's state: where it is. Bits 2-3: its frequency. */
const WHERE = 3;
const ONE_USE = 4;

/**
 * S3-FIFO (Yang et al., SOSP 2023) over the memory tier's entry ids: the policy chosen by
 * trace replay (docs/cache-policy.md). New entries enter a small FIFO; those used while
 * there move to the main FIFO at eviction time, the rest leave and their key goes into a
 * ghost FIFO; an entry whose key is in the ghost starts in main. Main evicts in FIFO order,
 * giving entries with a use left another round. A hit writes one byte (the frequency), as
 * CLOCK's does, so the tier's hot set may batch hits (needsEveryAccess is false).
 *
 * As in the replayer's S3FifoCache, keys main evicts go into a second ghost, an entry found
 * there also starts in main, and the two kinds of ghost hits move small's share of the
 * entries (small-share.ts); `{ adaptive: false }` keeps the paper's fixed 10%.
 *
 * Entry ids are reused by the tier, so the ghosts remember key hashes, not ids: a hash
 * collision can only start an entry in main, never serve wrong bytes.
 */
export class S3FifoPolicy implements EvictionPolicy {
	readonly name = "s3-fifo";
	readonly needsEveryAccess = false;
	readonly wantsKeyHash = true;
	readonly #links = new IdLinks();
	readonly #small = new IdQueue(this.#links);
	readonly #main = new IdQueue(this.#links);
	/** Per id, one byte: where (ABSENT, IN_SMALL, IN_MAIN) and frequency * ONE_USE. */
	#state = new Uint8Array(1024);
	/** Each ghost remembers about as many evicted keys as there are live entries. */
	readonly #smallGhost = new KeyGhost(() => this.#live());
	readonly #mainGhost = new KeyGhost(() => this.#live());
	readonly #smallShare: SmallShare;
	readonly #adaptive: boolean;
	/** The victim last handed out: its key joins its FIFO's ghost when it is removed. */
	#victim = NO_ID;
	/** The FIFO the last victim came from: where a candidate walk starts. */
	#walkStart = ABSENT;

	constructor(options: Pick<SmallShareOptions, "adaptive"> = {}) {
		this.#adaptive = options.adaptive ?? true;
		this.#smallShare = new SmallShare({ adaptive: this.#adaptive });
	}

	/** Small's current share of the live entries (for tests and the tier's stats). */
	get smallShare(): number {
		return this.#smallShare.value;
	}

	/** Exactly `capacity` ids: the tier grows by 1.25x already; doubling here would waste. */
	grow(capacity: number): void {
		if (capacity <= this.#state.length) return;
		const state = new Uint8Array(capacity);
		state.set(this.#state);
		this.#state = state;
		this.#links.prev = resized(this.#links.prev, capacity);
		this.#links.next = resized(this.#links.next, capacity);
	}

	inserted(id: number, keyHash: number): void {
		if (id >= this.#state.length) this.grow(Math.max(id + 1, Math.ceil(this.#state.length * 1.25)));
		if (this.#where(id) !== ABSENT) this.removed(id, keyHash);
		const live = this.#live();
		const smallGhost = this.#smallGhost.length;
		const mainGhost = this.#mainGhost.length;
		let remembered = false;
		if (this.#smallGhost.forget(keyHash)) {
			this.#smallShare.smallGhostHit(1, live, smallGhost, mainGhost);
			remembered = true;
		} else if (this.#mainGhost.forget(keyHash)) {
			this.#smallShare.mainGhostHit(1, live, smallGhost, mainGhost);
			remembered = true;
		}
		if (remembered) {
			this.#main.pushNewest(id, 1);
			this.#state[id] = IN_MAIN;
		} else {
			this.#small.pushNewest(id, 1);
			this.#state[id] = IN_SMALL;
		}
	}

	/** Which FIFO holds the entry: for tests and debugging, not the hot path. */
	locate(id: number): "small" | "main" | undefined {
		const where = id < this.#state.length ? this.#where(id) : ABSENT;
		return where === IN_SMALL ? "small" : where === IN_MAIN ? "main" : undefined;
	}

	accessed(id: number): void {
		const state = this.#state[id] as number;
		if ((state & WHERE) !== ABSENT && state < MAX_FREQUENCY * ONE_USE)
			this.#state[id] = state + ONE_USE;
	}

	removed(id: number, keyHash: number): void {
		const where = this.#where(id);
		if (where === IN_SMALL) this.#small.remove(id, 1);
		else if (where === IN_MAIN) this.#main.remove(id, 1);
		else return;
		this.#state[id] = ABSENT;
		if (id === this.#victim) {
			if (where === IN_SMALL) this.#smallGhost.remember(keyHash);
			else if (this.#adaptive) this.#mainGhost.remember(keyHash);
			this.#victim = NO_ID;
		}
	}

	nextVictim(after: number): number {
		if (after !== NO_ID) return this.#nextCandidate(after);
		this.#victim = NO_ID;
		// Bounded: each turn returns, or moves an entry from small to main (at most once per
		// entry), or spends one of an entry's at most MAX_FREQUENCY credits in main.
		for (;;) {
			const live = this.#live();
			if (live === 0) return NO_ID;
			if (this.#small.count > live * this.#smallShare.value || this.#main.count === 0) {
				const id = this.#small.oldest;
				if ((this.#state[id] as number) >= ONE_USE) {
					this.#small.remove(id, 1);
					this.#main.pushNewest(id, 1);
					this.#state[id] = IN_MAIN; // frequency starts over in main
					continue;
				}
				this.#victim = id;
				this.#walkStart = IN_SMALL;
				return id;
			}
			const id = this.#main.oldest;
			const state = this.#state[id] as number;
			if (state >= ONE_USE) {
				this.#state[id] = state - ONE_USE;
				this.#main.remove(id, 1);
				this.#main.pushNewest(id, 1);
				continue;
			}
			this.#victim = id;
			this.#walkStart = IN_MAIN;
			return id;
		}
	}

	#where(id: number): number {
		return (this.#state[id] as number) & WHERE;
	}

	/**
	 * Candidates after `after`, without side effects: the rest of the victim's FIFO (older to
	 * newer), then the other FIFO from its oldest, then -1.
	 */
	#nextCandidate(after: number): number {
		const newer = this.#links.prev[after] as number;
		if (newer !== NO_ID) return newer;
		const inSmall = this.#where(after) === IN_SMALL;
		if (inSmall !== (this.#walkStart === IN_SMALL)) return NO_ID;
		return inSmall ? this.#main.oldest : this.#small.oldest;
	}

	#live(): number {
		return this.#small.count + this.#main.count;
	}
}

function resized(array: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
	const out = new Int32Array(length).fill(NO_ID);
	out.set(array.subarray(0, Math.min(array.length, length)));
	return out;
}
