/**
 * The in-memory Raft log: entries from index 1, the commit index, and two cursors for
 * the driver: entries up to `handedOut` were given to it to persist, committed entries up
 * to `applying` were given to it to apply (`applied` once it says it has).
 */
import type { Entry } from "./messages.ts";

export class RaftLog {
	private readonly entries: Entry[] = [];
	committed = 0;
	applied = 0;
	/** Committed entries up to here were handed out to apply (not yet acknowledged). */
	applying = 0;
	/** Entries up to here were handed out to persist. */
	handedOut = 0;

	/** A log restored from storage: those entries are persisted already. */
	constructor(persisted: readonly Entry[] = [], committed = 0, applied = 0) {
		for (const [i, entry] of persisted.entries()) {
			if (entry.index !== i + 1) throw new Error(`stored entry ${i} has index ${entry.index}`);
			this.entries.push(entry);
		}
		if (committed > this.lastIndex()) {
			throw new Error(`commit ${committed} is past the stored log (${this.lastIndex()})`);
		}
		this.committed = committed;
		this.applied = Math.min(applied, committed);
		this.applying = this.applied;
		this.handedOut = this.lastIndex();
	}

	lastIndex(): number {
		return this.entries.length;
	}

	lastTerm(): number {
		return this.term(this.lastIndex()) ?? 0;
	}

	/** The term at `index`: 0 at index 0, undefined past the end. */
	term(index: number): number | undefined {
		if (index === 0) return 0;
		return this.entries[index - 1]?.term;
	}

	matchTerm(index: number, term: number): boolean {
		return this.term(index) === term;
	}

	/** Entries in [lo, hi). */
	slice(lo: number, hi: number): Entry[] {
		return this.entries.slice(lo - 1, hi - 1);
	}

	/** §5.4.1: is a candidate's log at least as up to date as this one? */
	isUpToDate(lastIndex: number, lastTerm: number): boolean {
		const myTerm = this.lastTerm();
		return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
	}

	/** The leader's own proposals: appended at the end, never conflicting. */
	appendNew(term: number, data: string): Entry {
		const entry = { term, index: this.lastIndex() + 1, data };
		this.entries.push(entry);
		return entry;
	}

	/**
	 * A follower's append: if the entry at prevIndex has prevTerm, keep every entry that
	 * agrees, truncate at the first that conflicts, append the rest, and return the last
	 * index the leader's message vouches for. Undefined (reject) if prevIndex does not match.
	 */
	tryAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): number | undefined {
		if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
		for (const entry of entries) {
			const mine = this.term(entry.index);
			if (mine === entry.term) continue;
			if (mine !== undefined) this.truncateFrom(entry.index);
			this.entries.push(entry);
		}
		return prevIndex + entries.length;
	}

	private truncateFrom(index: number): void {
		if (index <= this.committed) {
			throw new Error(`refusing to truncate committed entry ${index} (commit ${this.committed})`);
		}
		this.entries.length = index - 1;
		this.handedOut = Math.min(this.handedOut, index - 1);
	}

	/** The first index of the run of `term` that contains `index` (the reject hint). */
	firstIndexOfTermAt(index: number): number {
		const term = this.term(index);
		let first = index;
		while (first > 1 && this.term(first - 1) === term) first--;
		return first;
	}

	/** The last index holding `term`, or undefined if this log has no entry of that term. */
	lastIndexOfTerm(term: number): number | undefined {
		for (let i = this.lastIndex(); i >= 1; i--) {
			const t = this.term(i) as number;
			if (t === term) return i;
			if (t < term) return undefined;
		}
		return undefined;
	}

	commitTo(index: number): boolean {
		if (index <= this.committed) return false;
		if (index > this.lastIndex()) {
			throw new Error(`commit ${index} is past the last index ${this.lastIndex()}`);
		}
		this.committed = index;
		return true;
	}

	/** Entries not yet handed out to persist; marks them handed out. */
	takeUnpersisted(): Entry[] {
		const out = this.entries.slice(this.handedOut);
		this.handedOut = this.lastIndex();
		return out;
	}

	hasUnpersisted(): boolean {
		return this.handedOut < this.lastIndex();
	}

	/** Committed entries not yet handed out to apply; marks them handed out. */
	takeCommitted(): Entry[] {
		const out = this.slice(this.applying + 1, this.committed + 1);
		this.applying = this.committed;
		return out;
	}

	hasCommittedToApply(): boolean {
		return this.applying < this.committed;
	}

	appliedTo(index: number): void {
		if (index > this.applying) {
			throw new Error(`applied ${index} was never handed out (handed out to ${this.applying})`);
		}
		if (index > this.applied) this.applied = index;
	}
}
