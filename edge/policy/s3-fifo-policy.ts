import type { EvictionPolicy } from "./eviction.ts";
import { IdHashMap } from "./id-hash-map.ts";
import { IdLinks, IdQueue, NO_ID } from "./id-lists.ts";
import { KeyGhost } from "./key-ghost.ts";
import { SmallShare } from "./small-share.ts";
import { type SplitMode, type SplitSetting, SplitTuner } from "./split-tuner.ts";

const ABSENT = 0;
const IN_SMALL = 1;
const IN_MAIN = 2;
const MAX_FREQUENCY = 3;
/** Bits 0-1 of an id's state: where it is. Bits 2-3: its frequency. Bit 4: key sampled. */
const WHERE = 3;
const ONE_USE = 4;
const FREQUENCY = MAX_FREQUENCY * ONE_USE;
const SAMPLED = 16;

export interface S3FifoPolicyOptions {
	/** How small's share is chosen (split-tuner.ts's SplitMode); "tuned" by default. */
	readonly split?: SplitMode;
	/** The tuner's floor of simulated entries per setting (split-tuner.ts). */
	readonly sampleFloor?: number;
}

/**
 * S3-FIFO (Yang et al., SOSP 2023) over the memory tier's entry ids: the policy chosen by
 * trace replay (docs/cache-policy.md). New entries enter a small FIFO; those used while
 * there move to the main FIFO at eviction time, the rest leave and their key goes into a
 * ghost FIFO; an entry whose key is in the ghost starts in main. Main evicts in FIFO order,
 * giving entries with a use left another round. A hit writes one byte (the frequency), as
 * CLOCK's does, so the tier's hot set may batch hits (needsEveryAccess is false).
 *
 * As in the replayer's S3FifoCache, keys main evicts can go into a second ghost, and an entry
 * found there also starts in main. By default (`split: "tuned"`) miniature simulations of
 * several splits over a hash-sampled share of the keys choose small's share of the entries
 * and whether main's ghost is kept (split-tuner.ts); `"ghost-hits"` moves the share by the
 * two kinds of ghost hits (small-share.ts); `"fixed"` keeps the paper's 10%, no main ghost.
 * The tuner may also choose plain LRU (split-tuner.ts's SplitSetting): a hit then moves the
 * entry to main's newest end, a few writes to typed arrays rather than one byte.
 *
 * Entry ids are reused by the tier, so the ghosts remember key hashes, not ids: a hash
 * collision can only start an entry in main, never serve wrong bytes. The tuner needs the
 * key of every use of a sampled entry, and a hit names only the id: sampled ids carry a
 * state bit and their key hash in a small map (id-hash-map.ts), so the cost per entry stays
 * one byte; the map and the simulations are bounded by the tuner's floor, not the tier.
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
	/** Each ghost remembers about as many evicted keys as the setting's share of live entries. */
	readonly #smallGhost = new KeyGhost();
	readonly #mainGhost = new KeyGhost();
	readonly #smallShare: SmallShare;
	readonly #mainGhostKept: boolean;
	readonly #tuner: SplitTuner | undefined;
	/** Key hashes of the live entries whose keys the tuner samples. */
	readonly #sampledKeys = new IdHashMap();
	/** The victim last handed out: its key joins its FIFO's ghost when it is removed. */
	#victim = NO_ID;
	/** The FIFO the last victim came from: where a candidate walk starts. */
	#walkStart = ABSENT;
	/** A victim was asked for: the tier is full. */
	#full = false;
	/**
	 * The tuner's setting is plain LRU (split-tuner.ts's SplitSetting). Kept in a field, read on
	 * every hit: the setting only changes inside the tuner's request().
	 */
	#lru = false;

	constructor(options: S3FifoPolicyOptions = {}) {
		const split = options.split ?? "tuned";
		this.#smallShare = new SmallShare({ adaptive: split === "ghost-hits" });
		this.#mainGhostKept = split === "ghost-hits";
		if (split === "tuned") {
			this.#tuner = new SplitTuner(
				options.sampleFloor === undefined ? {} : { sampleFloor: options.sampleFloor },
			);
		}
	}

	/** Small's current share of the live entries (for tests and the tier's stats). */
	get smallShare(): number {
		return this.#tuner?.setting.smallShare ?? this.#smallShare.value;
	}

	/** The setting in use now: small's share, main's ghost or none, the ghosts' length. */
	get setting(): SplitSetting {
		return (
			this.#tuner?.setting ?? {
				smallShare: this.#smallShare.value,
				mainGhost: this.#mainGhostKept,
				ghostShare: 1,
				lru: false,
			}
		);
	}

	/** Entries whose key hash is kept for the tuner (for tests: bounded by its floor). */
	get sampledEntries(): number {
		return this.#sampledKeys.size;
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
		if (remembered || this.#lru) {
			this.#main.pushNewest(id, 1);
			this.#state[id] = IN_MAIN;
		} else {
			this.#small.pushNewest(id, 1);
			this.#state[id] = IN_SMALL;
		}
		const tuner = this.#tuner;
		if (tuner === undefined) return;
		// Until the tier first evicts, its capacity in entries is unknown (only that they fit):
		// the shadows hold every sampled key. Once full, the live entries are its capacity.
		if (tuner.scale(live + 1, this.#full ? live + 1 : Number.POSITIVE_INFINITY))
			this.#resample(tuner);
		if (!tuner.sampled(keyHash)) return;
		tuner.request(keyHash, 1);
		this.#lru = tuner.setting.lru;
		this.#state[id] = (this.#state[id] as number) | SAMPLED;
		this.#sampledKeys.set(id, keyHash);
	}

	/** Which FIFO holds the entry: for tests and debugging, not the hot path. */
	locate(id: number): "small" | "main" | undefined {
		const where = id < this.#state.length ? this.#where(id) : ABSENT;
		return where === IN_SMALL ? "small" : where === IN_MAIN ? "main" : undefined;
	}

	accessed(id: number): void {
		const state = this.#state[id] as number;
		const where = state & WHERE;
		if (where === ABSENT) return;
		if (this.#lru) {
			// LRU's hit: the entry becomes main's newest, its position standing for the use.
			(where === IN_SMALL ? this.#small : this.#main).remove(id, 1);
			this.#main.pushNewest(id, 1);
			this.#state[id] = IN_MAIN | (state & SAMPLED);
		} else if ((state & FREQUENCY) < FREQUENCY) this.#state[id] = state + ONE_USE;
		if ((state & SAMPLED) !== 0) this.#sampledUse(id);
	}

	removed(id: number, keyHash: number): void {
		const where = this.#where(id);
		if (where === IN_SMALL) this.#small.remove(id, 1);
		else if (where === IN_MAIN) this.#main.remove(id, 1);
		else return;
		if (((this.#state[id] as number) & SAMPLED) !== 0) this.#sampledKeys.delete(id);
		this.#state[id] = ABSENT;
		if (id === this.#victim) {
			if (where === IN_SMALL) this.#smallGhost.remember(keyHash, this.#ghostLength());
			else if (this.setting.mainGhost) this.#mainGhost.remember(keyHash, this.#ghostLength());
			this.#victim = NO_ID;
		}
	}

	nextVictim(after: number): number {
		if (after !== NO_ID) return this.#nextCandidate(after);
		this.#victim = NO_ID;
		this.#full = true;
		const lru = this.#lru;
		if (lru && this.#small.count > 0) this.#smallIntoMain();
		// Bounded: each turn returns, or moves an entry from small to main (at most once per
		// entry), or spends one of an entry's at most MAX_FREQUENCY credits in main.
		for (;;) {
			const live = this.#live();
			if (live === 0) return NO_ID;
			if (this.#small.count > live * this.smallShare || this.#main.count === 0) {
				const id = this.#small.oldest;
				const state = this.#state[id] as number;
				if ((state & FREQUENCY) !== 0) {
					this.#small.remove(id, 1);
					this.#main.pushNewest(id, 1);
					this.#state[id] = IN_MAIN | (state & SAMPLED); // frequency starts over in main
					continue;
				}
				this.#victim = id;
				this.#walkStart = IN_SMALL;
				return id;
			}
			const id = this.#main.oldest;
			const state = this.#state[id] as number;
			if ((state & FREQUENCY) !== 0) {
				// Under LRU no hit counts a use (it moves the entry): one counted before the switch
				// earns a single round, as main's order was not recency until then.
				this.#state[id] = lru ? state & ~FREQUENCY : state - ONE_USE;
				this.#main.remove(id, 1);
				this.#main.pushNewest(id, 1);
				continue;
			}
			this.#victim = id;
			this.#walkStart = IN_MAIN;
			return id;
		}
	}

	/**
	 * Entering LRU: small's entries are the newest arrivals, so they join main's newest end,
	 * each keeping a use counted in small (it earns one round, as main's do).
	 */
	#smallIntoMain(): void {
		while (this.#small.oldest !== NO_ID) {
			const id = this.#small.oldest;
			this.#small.remove(id, 1);
			this.#main.pushNewest(id, 1);
			this.#state[id] = ((this.#state[id] as number) & ~WHERE) | IN_MAIN;
		}
	}

	/** A use of a sampled entry, for the simulations (its key may have left the sample). */
	#sampledUse(id: number): void {
		const tuner = this.#tuner;
		const hash = this.#sampledKeys.get(id);
		if (tuner === undefined || hash === undefined || !tuner.sampled(hash)) return;
		tuner.request(hash, 1);
		this.#lru = tuner.setting.lru;
	}

	/** The sampling rate changed: keep the key hashes of the entries still sampled only. */
	#resample(tuner: SplitTuner): void {
		this.#sampledKeys.retain(
			(hash) => tuner.sampled(hash),
			(id) => {
				this.#state[id] = (this.#state[id] as number) & ~SAMPLED;
			},
		);
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

	/**
	 * How many keys a ghost may hold, asked just after the victim left: the setting's share of
	 * the entries held when it was chosen, victim included, as the shadows and the replayer
	 * count them (a full cache's worth, not one less; never 0 when the last entry leaves).
	 */
	#ghostLength(): number {
		return (this.#live() + 1) * (this.#tuner?.setting.ghostShare ?? 1);
	}
}

function resized(array: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
	const out = new Int32Array(length).fill(NO_ID);
	out.set(array.subarray(0, Math.min(array.length, length)));
	return out;
}
