/**
 * The log's contents as the records describe them, and the rules a record must follow.
 * Pure. Recovery replays records through it (keeping the data); the open log runs every
 * save() through it first (keeping terms only), so anything save() accepts replays to the
 * same state, and a record that breaks a rule at replay is corruption.
 *
 * State: an optional hard state, an optional snapshot (index `base`), and entries
 * `first..last`. Invariant once complete: first <= base + 1 and last >= base. While a
 * replay is under way, `first` may lie above `base + 1`: after compaction the oldest kept
 * segment starts past an older snapshot, and the newer snapshot record comes later.
 */
import type { Entry, HardState, SnapshotRef } from "./types.ts";

/** A broken rule; the caller turns it into a corruption or a usage error. */
export class LogRuleError extends Error {
	override readonly name = "LogRuleError";
}

function isCount(n: number): boolean {
	return Number.isSafeInteger(n) && n >= 0;
}

export class LogState {
	hardState: HardState | undefined = undefined;
	snapshot: SnapshotRef | undefined = undefined;
	first: number;
	last: number;
	private terms: number[] = [];
	private data: Uint8Array[] | undefined;

	/** `firstIndex`: the index the oldest segment's first entry has. */
	constructor(firstIndex: number, keepData: boolean) {
		this.first = firstIndex;
		this.last = firstIndex - 1;
		this.data = keepData ? [] : undefined;
	}

	get base(): number {
		return this.snapshot?.index ?? 0;
	}

	termAt(index: number): number | undefined {
		if (index < this.first || index > this.last) return undefined;
		return this.terms[index - this.first];
	}

	applyHardState(hs: HardState): void {
		if (!isCount(hs.term) || !isCount(hs.vote) || !isCount(hs.commit)) {
			throw new LogRuleError("hard state fields must be non-negative safe integers");
		}
		const previous = this.hardState;
		if (previous && hs.term < previous.term) {
			throw new LogRuleError(`hard-state term goes back from ${previous.term} to ${hs.term}`);
		}
		if (previous && hs.commit < previous.commit) {
			throw new LogRuleError(`commit goes back from ${previous.commit} to ${hs.commit}`);
		}
		this.hardState = hs;
	}

	/** Why `entries` cannot be appended now, or undefined. Changes nothing. */
	checkAppend(entries: readonly Entry[]): string | undefined {
		for (const entry of entries) {
			if (!Number.isSafeInteger(entry.index) || !Number.isSafeInteger(entry.term)) {
				return "entry index and term must be safe integers";
			}
			if (entry.term < 1) return `entry ${entry.index} has term ${entry.term}, terms start at 1`;
			if (!(entry.data instanceof Uint8Array)) return `entry ${entry.index} data is not bytes`;
		}
		const head = entries[0];
		if (!head) return undefined;
		if (head.index <= this.base) {
			return `entry ${head.index} is at or below the snapshot (${this.base})`;
		}
		if (head.index > this.last + 1) {
			return `entry ${head.index} leaves a gap after the last entry (${this.last})`;
		}
		if (head.index < this.first) {
			return `entry ${head.index} is below the oldest entry kept (${this.first})`;
		}
		let previousTerm = this.termAt(head.index - 1) ?? this.snapshotTermBefore(head.index);
		for (let i = 0; i < entries.length; i++) {
			const entry = entries[i] as Entry;
			if (entry.index !== head.index + i) {
				return `entries are not contiguous: ${entry.index} follows ${head.index + i - 1}`;
			}
			if (previousTerm !== undefined && entry.term < previousTerm) {
				return `entry ${entry.index} has term ${entry.term}, below the term before it (${previousTerm})`;
			}
			previousTerm = entry.term;
		}
		return undefined;
	}

	private snapshotTermBefore(index: number): number | undefined {
		return this.snapshot && this.snapshot.index === index - 1 ? this.snapshot.term : undefined;
	}

	/** Whether appending `entries` overwrites a suffix (a truncate record goes first). */
	overwrites(entries: readonly Entry[]): boolean {
		const head = entries[0];
		return head !== undefined && head.index <= this.last;
	}

	applyTruncate(from: number): void {
		if (!Number.isSafeInteger(from) || from <= this.base || from > this.last + 1) {
			throw new LogRuleError(
				`truncate from ${from} outside the entries after the snapshot (${this.base + 1}..${this.last + 1})`,
			);
		}
		if (from < this.first) {
			// The oldest kept segment started after `from`; what follows rewrites it all.
			this.first = from;
			this.terms = [];
			if (this.data) this.data = [];
		} else {
			this.terms.length = from - this.first;
			if (this.data) this.data.length = from - this.first;
		}
		this.last = from - 1;
	}

	applyEntry(entry: Entry): void {
		const reason = this.checkAppend([entry]);
		if (reason) throw new LogRuleError(reason);
		if (entry.index !== this.last + 1) {
			throw new LogRuleError(`entry ${entry.index} overwrites without a truncate record`);
		}
		this.terms.push(entry.term);
		this.data?.push(entry.data);
		this.last = entry.index;
	}

	/** Whether a snapshot at (index, term) agrees with the entry the log holds at its index. */
	agreesWith(index: number, term: number): boolean {
		return this.termAt(index) === term;
	}

	applySnapshot(ref: SnapshotRef): void {
		const base = this.base;
		if (!Number.isSafeInteger(ref.index) || !Number.isSafeInteger(ref.term) || ref.index < 1) {
			throw new LogRuleError("snapshot index and term must be positive safe integers");
		}
		if (ref.index <= base) {
			throw new LogRuleError(`snapshot ${ref.index} is not newer than snapshot ${base}`);
		}
		if (ref.keepLog) {
			const term = this.termAt(ref.index);
			if (term !== undefined && term !== ref.term) {
				throw new LogRuleError(
					`snapshot (${ref.index}, term ${ref.term}) kept a log whose entry there has term ${term}`,
				);
			}
			if (ref.index > this.last) {
				throw new LogRuleError(`snapshot ${ref.index} kept a log that ends at ${this.last}`);
			}
			if (ref.index >= this.first) this.dropThrough(ref.index);
		} else {
			this.first = ref.index + 1;
			this.last = ref.index;
			this.terms = [];
			if (this.data) this.data = [];
		}
		this.snapshot = ref;
	}

	/**
	 * A new segment's restatement of the snapshot in force. It changes no entry: it only
	 * tells a replay whose oldest segments were removed which snapshot precedes them (that
	 * snapshot's own record went with them). So it must match the snapshot already known,
	 * or, if none is, lie before the oldest kept entry.
	 */
	restateSnapshot(ref: SnapshotRef): void {
		const known = this.snapshot;
		if (known) {
			if (ref.index !== known.index || ref.term !== known.term || ref.dataCrc !== known.dataCrc) {
				throw new LogRuleError(
					`restates snapshot ${ref.index} (term ${ref.term}), but snapshot ${known.index} (term ${known.term}) is in force`,
				);
			}
			return;
		}
		if (!Number.isSafeInteger(ref.index) || ref.index < 1 || ref.index >= this.first) {
			throw new LogRuleError(
				`restates snapshot ${ref.index}, which does not precede the oldest entry (${this.first})`,
			);
		}
		this.snapshot = ref;
	}

	/** Forgets entries up to `index` (covered by a snapshot). */
	private dropThrough(index: number): void {
		const count = index - this.first + 1;
		this.terms.splice(0, count);
		this.data?.splice(0, count);
		this.first = index + 1;
	}

	/** Why the replayed state is incomplete (entries missing after the snapshot), or undefined. */
	checkComplete(): string | undefined {
		if (this.first > this.base + 1) {
			return `entries ${this.base + 1}..${this.first - 1} are missing (no segment or snapshot holds them)`;
		}
		return undefined;
	}

	/** Keeps terms only from now on (the open log needs no entry data). */
	dropData(): void {
		this.data = undefined;
	}

	/** The entries after the snapshot, when kept with their data. */
	entries(): Entry[] {
		const out: Entry[] = [];
		const data = this.data ?? [];
		for (let i = 0; i < this.terms.length; i++) {
			const index = this.first + i;
			if (index <= this.base) continue;
			out.push({ index, term: this.terms[i] as number, data: data[i] as Uint8Array });
		}
		return out;
	}
}
