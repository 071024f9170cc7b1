/**
 * A snapshot as the Raft core knows it: the state machine's state at `meta.index` (opaque
 * `data`, a string like entry data), the term of that entry, and the membership as of it,
 * so a node restored from the snapshot alone knows who votes. Entries up to `meta.index`
 * are gone from a log compacted to it.
 */
import type { NodeId } from "./messages.ts";

/** Who votes and who only follows, as of a snapshot's index. */
export interface MemberConfig {
	readonly voters: readonly NodeId[];
	readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
	readonly index: number;
	readonly term: number;
	readonly config: MemberConfig;
}

export interface Snapshot {
	readonly meta: SnapshotMeta;
	readonly data: string;
}
