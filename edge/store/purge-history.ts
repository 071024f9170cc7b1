/**
 * The tier's recent purges, numbered, so that a write can be held to the purges made after
 * a point it names (a PurgeMark) and not only to those made while it is open. An edge takes
 * the mark when it sends the request to the origin; a purge that lands while the origin is
 * still thinking, before the answer's head arrives and the write opens, would otherwise miss
 * it, and the old answer would be stored fresh after the purge that meant to remove it.
 *
 * Bounded: the last `capacity` purges. A mark older than that is answered as if a hard
 * purge matched: storing nothing is the safe answer when the history is gone.
 */
import type { HeaderInvalidation, PurgeMark, PurgeSelector } from "./storage.ts";

export const PURGE_HISTORY_CAPACITY = 256;

interface RecordedPurge {
	readonly number: number;
	readonly selector: PurgeSelector;
	/** The soft purge's rewrite; undefined for a hard purge. */
	readonly invalidate: HeaderInvalidation | undefined;
}

/** What the purges after a mark did to one write. */
export interface PurgesSince {
	/** A hard purge matched (or the history no longer reaches the mark). */
	readonly hard: boolean;
	/** The soft purges that matched, oldest first, without repeats. */
	readonly invalidations: readonly HeaderInvalidation[];
}

const NONE: PurgesSince = Object.freeze({ hard: false, invalidations: Object.freeze([]) });
const LOST: PurgesSince = Object.freeze({ hard: true, invalidations: Object.freeze([]) });

export class PurgeHistory {
	#last = 0;
	readonly #recent: RecordedPurge[] = [];

	constructor(private readonly capacity = PURGE_HISTORY_CAPACITY) {}

	/** The number of the last purge: purges after it are the ones a write taken now must heed. */
	get mark(): PurgeMark {
		return this.#last;
	}

	record(selector: PurgeSelector, invalidate?: HeaderInvalidation): void {
		this.#last++;
		this.#recent.push({ number: this.#last, selector, invalidate });
		if (this.#recent.length > this.capacity) this.#recent.shift();
	}

	/** The purges after `mark` that `matches` selects. */
	since(mark: PurgeMark, matches: (selector: PurgeSelector) => boolean): PurgesSince {
		if (mark >= this.#last) return NONE;
		const oldest = this.#recent[0]?.number ?? this.#last + 1;
		if (mark + 1 < oldest) return LOST;
		let hard = false;
		const invalidations: HeaderInvalidation[] = [];
		for (const purge of this.#recent) {
			if (purge.number <= mark || !matches(purge.selector)) continue;
			if (purge.invalidate === undefined) hard = true;
			else if (!invalidations.includes(purge.invalidate)) invalidations.push(purge.invalidate);
		}
		return hard || invalidations.length > 0 ? { hard, invalidations } : NONE;
	}
}
