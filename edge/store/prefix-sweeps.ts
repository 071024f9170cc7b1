/**
 * Prefix purges the memory tier cannot answer from an index (a path prefix, which names no
 * key family: key-families.ts) must read every key. Read in one pass, that held the edge's
 * one thread for 70-90 ms at a million objects, once per purge, and every POP applies every
 * purge the control plane commits. So such a purge is a sweep: it takes effect at once for
 * every read, and the tier walks its index in slices between which it serves requests.
 *
 * At once for every read: until its walk ends, a sweep is held against each key read. A key
 * it matches that was stored before it began is condemned: dropped (a hard purge) or
 * rewritten (a soft one) before the read goes on. A key stored after it began is newer than
 * the purge and is spared, as is a key once the sweeps have been applied to it.
 *
 * This module is the bookkeeping only: which sweeps run, which keys each spares, and what
 * they hold against a key. The tier does the dropping, the rewriting and the walking.
 */
import type { HeaderInvalidation } from "./storage.ts";

export interface Sweep {
	readonly prefix: string;
	/** The soft purge's rewrite; undefined for a hard purge. */
	readonly invalidate: HeaderInvalidation | undefined;
	/** Objects dropped or rewritten on this sweep's account: what its purge resolves to. */
	touched: number;
}

interface RunningSweep extends Sweep {
	/** Keys settled since the sweep began: stored after it, or already dealt with. */
	readonly spared: Set<string>;
}

export class PrefixSweeps {
	/** Oldest first, so soft rewrites apply in the order their purges were made. */
	#running: RunningSweep[] = [];

	/** How many sweeps are running; reads check for none before anything else. */
	get running(): number {
		return this.#running.length;
	}

	begin(prefix: string, invalidate: HeaderInvalidation | undefined): Sweep {
		const sweep: RunningSweep = { prefix, invalidate, touched: 0, spared: new Set() };
		this.#running.push(sweep);
		return sweep;
	}

	/** The sweep's walk is over: every key it condemned has been dealt with. */
	end(sweep: Sweep): void {
		this.#running = this.#running.filter((running) => running !== sweep);
	}

	/**
	 * `key` holds an object newer than every running sweep (just stored), or one they have
	 * been applied to: none of them condemns it from now on.
	 */
	settle(key: string): void {
		for (const sweep of this.#running) if (key.startsWith(sweep.prefix)) sweep.spared.add(key);
	}

	/**
	 * The running sweeps that condemn the object stored under `key` (empty for none), oldest
	 * first: a hard one among them means the object is dropped; else each soft one's rewrite
	 * applies, in that order.
	 */
	condemning(key: string): readonly Sweep[] {
		let condemning: Sweep[] | undefined;
		for (const sweep of this.#running) {
			if (!key.startsWith(sweep.prefix) || sweep.spared.has(key)) continue;
			if (condemning === undefined) condemning = [sweep];
			else condemning.push(sweep);
		}
		return condemning ?? NONE;
	}
}

const NONE: readonly Sweep[] = Object.freeze([]);
