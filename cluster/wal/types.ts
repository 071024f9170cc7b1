/**
 * What the write-ahead log stores, in the shapes the Raft driver hands over. Indexes and
 * terms are positive safe integers; `vote` and `commit` may be 0 (no vote, nothing committed).
 */

/** Must be durable before any message that depends on it is sent. */
export interface HardState {
	readonly term: number;
	readonly vote: number;
	readonly commit: number;
}

/** One log entry; `data` is opaque to the log. */
export interface Entry {
	readonly index: number;
	readonly term: number;
	readonly data: Uint8Array;
}

/** Where a snapshot sits in the log. */
export interface SnapshotMeta {
	readonly index: number;
	readonly term: number;
}

export interface Snapshot extends SnapshotMeta {
	readonly data: Uint8Array;
}

/**
 * A snapshot as the log refers to it: which file (by index and term), the checksum its data
 * must have, and whether the entries after it were kept when it was saved (a snapshot the
 * log's own entry at `index` agrees with) or dropped (a leader's snapshot that replaces the
 * whole log).
 */
export interface SnapshotRef extends SnapshotMeta {
	readonly dataCrc: number;
	readonly keepLog: boolean;
}

/** What `Wal.open` recovered: the state to hand back to the Raft core. */
export interface Recovered {
	readonly hardState: HardState | undefined;
	readonly snapshot: Snapshot | undefined;
	/** Every entry after the snapshot (or from index 1), contiguous, in index order. */
	readonly entries: readonly Entry[];
}
