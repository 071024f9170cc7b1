/**
 * Runs the memory tier's path-prefix sweeps (prefix-sweeps.ts keeps their books): walks the
 * index a slice of keys at a time, letting the event loop run in between, and carries out
 * what the running sweeps hold against a key before the tier reads it. It reaches the tier
 * only through SweepHost, which the tier builds over its own private state.
 */
import { PrefixSweeps, type Sweep } from "./prefix-sweeps.ts";
import type { CommitResult, HeaderInvalidation } from "./storage.ts";

export interface SweepHost {
	/** The id stored under `key`, if any. */
	idOf(key: string): number | undefined;
	/** Entry `id`'s stored header. */
	headerOf(id: number): Uint8Array;
	/** Drops entry `id` as purged. */
	dropPurged(id: number): void;
	/** Counts one object purged without dropping it here (a store replaced it). */
	countPurged(): void;
	/** Soft-purges the object stored under `key` (undefined: nothing to rewrite). */
	rewrite(key: string, invalidate: HeaderInvalidation): CommitResult | undefined;
	/** The index's keys, live: a Map iterator, which stays valid while the Map changes. */
	keys(): Iterator<string>;
	/** Empties the hot set: a hot hit reads no index, so could not heed a sweep. */
	forgetHotSet(): void;
	isClosed(): boolean;
}

export interface SweepOptions {
	/**
	 * Keys a sweep reads before it lets the event loop run: default 8192, a quarter of a
	 * millisecond here. Infinity reads the whole index in one pass.
	 */
	readonly sweepSliceKeys?: number;
	/** How a sweep lets the event loop run between slices: default a 0 ms timer. */
	readonly yieldBetweenSlices?: () => Promise<void>;
}

const DEFAULT_SLICE_KEYS = 8192;
const yieldToTimers = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export class IndexSweeper {
	readonly #sweeps = new PrefixSweeps();
	readonly #sliceKeys: number;
	readonly #yieldBetweenSlices: () => Promise<void>;

	constructor(
		private readonly host: SweepHost,
		options: SweepOptions = {},
	) {
		this.#sliceKeys = options.sweepSliceKeys ?? DEFAULT_SLICE_KEYS;
		if (!(this.#sliceKeys >= 1)) throw new RangeError("sweepSliceKeys must be at least 1");
		this.#yieldBetweenSlices = options.yieldBetweenSlices ?? yieldToTimers;
	}

	/** How many sweeps are running: the tier's reads check for none before anything else. */
	get running(): number {
		return this.#sweeps.running;
	}

	/**
	 * Begins a sweep of `prefix` (hard, or soft with `invalidate`) and walks the index for it,
	 * heeding the running sweeps for each key it matches. Resolves when the walk is over, to
	 * what the sweep touched, on keys the walk reached or reads reached first.
	 */
	async sweep(prefix: string, invalidate: HeaderInvalidation | undefined): Promise<number> {
		const sweep = this.#sweeps.begin(prefix, invalidate);
		this.host.forgetHotSet();
		// Keys added during the walk come at the iterator's end: stored after the sweep began,
		// so it spares them.
		const keys = this.host.keys();
		try {
			for (;;) {
				for (let read = 0; read < this.#sliceKeys; read++) {
					const next = keys.next();
					if (next.done === true) return sweep.touched;
					if (next.value.startsWith(prefix)) this.heed(next.value);
				}
				await this.#yieldBetweenSlices();
				if (this.host.isClosed()) return sweep.touched;
			}
		} finally {
			this.#sweeps.end(sweep);
		}
	}

	/**
	 * Carries out what the running sweeps hold against the object stored under `key`, as
	 * their purges one after another would have: oldest first, each soft one rewrites it,
	 * until a hard one drops it. Each sweep counts what it touched.
	 */
	heed(key: string): void {
		const condemning = this.#sweeps.condemning(key);
		if (condemning.length === 0) return;
		// Settled first: a rewrite reads the key again, and must not come back here.
		this.#sweeps.settle(key);
		const id = this.host.idOf(key);
		if (id === undefined) return;
		if (condemning.some((sweep) => sweep.invalidate === undefined)) {
			this.#countCondemned(condemning, id);
			this.host.dropPurged(id);
			return;
		}
		for (const sweep of condemning) {
			const result = this.host.rewrite(key, sweep.invalidate as HeaderInvalidation);
			if (result === undefined) continue;
			sweep.touched++;
			if (!result.stored) return;
		}
	}

	/**
	 * A store to `key` is publishing over entry `previous` (if any): the new object is newer
	 * than every running sweep, and the one it replaces is counted to those that condemn it,
	 * as if they had reached it first.
	 */
	settleStored(key: string, previous: number | undefined): void {
		const condemning = this.#sweeps.condemning(key);
		this.#sweeps.settle(key);
		if (previous === undefined || condemning.length === 0) return;
		if (this.#countCondemned(condemning, previous)) this.host.countPurged();
	}

	/**
	 * Counts the object stored at `id` to each sweep in `condemning` (oldest first) that would
	 * touch it, without touching it: a soft one whose rewrite changes its header, then the
	 * first hard one, which ends the count. True when a hard one does.
	 */
	#countCondemned(condemning: readonly Sweep[], id: number): boolean {
		let header = this.host.headerOf(id);
		for (const sweep of condemning) {
			if (sweep.invalidate === undefined) {
				sweep.touched++;
				return true;
			}
			const rewritten = sweep.invalidate(header);
			if (rewritten === undefined) continue;
			header = rewritten;
			sweep.touched++;
		}
		return false;
	}
}
