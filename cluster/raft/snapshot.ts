/**
 * A snapshot as the Raft core knows it: the state machine's state at `meta.index` (opaque
 * `data`, a string like entry data), the term of that entry, and the membership as of it,
 * so a node restored from the snapshot alone knows who votes. Entries up to `meta.index`
 * are gone from a log compacted to it.
 */
import type { MembershipConfig } from "./membership.ts";

export interface SnapshotMeta {
	readonly index: number;
	readonly term: number;
	/** Who votes and who only follows, as of `index`. */
	readonly config: MembershipConfig;
}

export interface Snapshot {
	readonly meta: SnapshotMeta;
	readonly data: string;
}
