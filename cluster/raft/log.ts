/**
 * The in-memory Raft log: a snapshot base (index and term; 0 for none), the entries after it,
 * the commit index, and two cursors for the driver: entries up to `handedOut` were given to
 * it to persist, committed entries up to `applying` were given to it to apply (`applied`
 * once it says it has). Indexes below the base are compacted: their terms are unknown, and
 * a follower that needs them gets the snapshot instead.
 */
import type { Entry } from "./messages.ts";
import type { Snapshot } from "./snapshot.ts";

export class RaftLog {
	/** Entries after the snapshot: entries[0] has index snapshotIndex() + 1. */
	private entries: Entry[] = [];
	/** The snapshot the log starts after (what a leader sends a follower that is too far behind). */
	snapshot: Snapshot | undefined;
	/** A leader's snapshot this follower installed, not yet handed to the driver (Ready). */
	pendingSnapshot: Snapshot | undefined;
	committed = 0;
	applied = 0;
	/** Committed entries up to here were handed out to apply (not yet acknowledged). */
	applying = 0;
	/** Entries up to here were handed out to persist. */
	handedOut = 0;

	/**
	 * A log restored from storage: the snapshot and the entries after it are persisted
	 * already. The state machine starts from the snapshot, so it has applied at least that.
	 */
	constructor(
		persisted: readonly Entry[] = [],
		committed = 0,
		applied = 0,
		snapshot: Snapshot | undefined = undefined,
	) {
		this.snapshot = snapshot;
		const base = this.snapshotIndex();
		for (const [i, entry] of persisted.entries()) {
			if (entry.index !== base + i + 1) {
				throw new Error(`stored entry ${i} has index ${entry.index}, expected ${base + i + 1}`);
			}
			this.entries.push(entry);
		}
		// A crash between saving a leader's snapshot and the hard state after it leaves the
		// stored commit below the snapshot; the snapshot itself is committed.
		committed = Math.max(committed, base);
		if (committed > this.lastIndex()) {
			throw new Error(`commit ${committed} is past the stored log (${this.lastIndex()})`);
		}
		this.committed = committed;
		this.applied = Math.min(Math.max(applied, base), committed);
		this.applying = this.applied;
		this.handedOut = this.lastIndex();
	}

	/** The index the log was compacted to (0: nothing compacted). */
	snapshotIndex(): number {
		return this.snapshot?.meta.index ?? 0;
	}

	lastIndex(): number {
		return this.snapshotIndex() + this.entries.length;
	}

	lastTerm(): number {
		return this.term(this.lastIndex()) ?? 0;
	}

	/** The term at `index`: the snapshot's at its index, undefined past the end or compacted. */
	term(index: number): number | undefined {
		const base = this.snapshotIndex();
		if (index === base) return this.snapshot?.meta.term ?? 0;
		if (index < base) return undefined;
		return this.entries[index - base - 1]?.term;
	}

	/** Below the snapshot: neither the entry nor its term is here any more. */
	isCompacted(index: number): boolean {
		return index < this.snapshotIndex();
	}

	matchTerm(index: number, term: number): boolean {
		return this.term(index) === term;
	}

	/** Entries in [lo, hi); lo must be past the snapshot. */
	slice(lo: number, hi: number): Entry[] {
		const base = this.snapshotIndex();
		if (lo <= base) throw new Error(`entries from ${lo} are compacted (snapshot at ${base})`);
		return this.entries.slice(lo - base - 1, hi - base - 1);
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
		this.entries.length = index - this.snapshotIndex() - 1;
		this.handedOut = Math.min(this.handedOut, index - 1);
	}

	/** The first index of the run of `term` that contains `index` (the reject hint). */
	firstIndexOfTermAt(index: number): number {
		const term = this.term(index);
		let first = index;
		while (first > this.snapshotIndex() + 1 && this.term(first - 1) === term) first--;
		return first;
	}

	/** The last index holding `term`, or undefined if this log has no entry of that term. */
	lastIndexOfTerm(term: number): number | undefined {
		for (let i = this.lastIndex(); i >= this.snapshotIndex(); i--) {
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
		const out = this.entries.slice(this.handedOut - this.snapshotIndex());
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

	/**
	 * The state machine snapshotted at `snapshot.meta.index`: forget the entries up to it and
	 * keep the rest. The index may be anything handed out to apply (a driver may snapshot in
	 * the middle of a Ready's entries, before `advance`).
	 */
	compact(snapshot: Snapshot): void {
		const { index, term } = snapshot.meta;
		if (index <= this.snapshotIndex() || index > this.applying) {
			throw new Error(
				`cannot compact to ${index}: need ${this.snapshotIndex()} < index <= applied (${this.applying})`,
			);
		}
		if (this.term(index) !== term) {
			throw new Error(`snapshot at ${index} has term ${term}, the log has ${this.term(index)}`);
		}
		this.entries = this.entries.slice(index - this.snapshotIndex());
		this.snapshot = snapshot;
	}

	/**
	 * A leader's snapshot past this follower's commit, whose (index, term) this log does not
	 * hold: it replaces the whole log. It goes to the driver to persist and restore before
	 * anything after it is applied; entries after it come from the leader again.
	 */
	restore(snapshot: Snapshot): void {
		const { index } = snapshot.meta;
		if (index <= this.committed) {
			throw new Error(`snapshot ${index} is not past the commit index ${this.committed}`);
		}
		this.entries = [];
		this.snapshot = snapshot;
		this.pendingSnapshot = snapshot;
		this.committed = index;
		this.applying = index;
		this.handedOut = index;
	}

	/** Hands out the installed snapshot (once); the driver persists and restores it. */
	takePendingSnapshot(): Snapshot | undefined {
		const snapshot = this.pendingSnapshot;
		this.pendingSnapshot = undefined;
		return snapshot;
	}
}
