/**
 * The replicated state machine, as a Raft driver (cluster/sim/sim-node.ts,
 * cluster/raft-node/raft-node.ts) sees it: committed entry data goes in, in log order; a
 * snapshot of everything applied comes out; a snapshot (from this node's disk or the
 * leader) replaces the state. Three implement it: the KV store (cluster/kv/store.ts), the
 * purges (cluster/purge/machine.ts) and the POP configs (cluster/pop-config/machine.ts);
 * a fourth, the router (cluster/state/router.ts), owns those three and is what a member
 * applies to: it hands each entry to the machine its tag names (cluster/state/entry-encoding.ts)
 * and the empty string to the others, so all stand at one index and snapshot together.
 * Kept beside the core, which never calls it: the core only says, in each Ready, what to
 * restore and what to apply (ready.ts).
 */

/** A state machine's state after applying every entry up to `index`. */
export interface StateSnapshot {
	readonly index: number;
	readonly data: string;
}

export interface StateMachine<Applied> {
	/** The last index applied (or restored from a snapshot); 0 for a new machine. */
	readonly appliedIndex: number;
	/**
	 * Applies the entry at `index`, which must be `appliedIndex + 1`. `data` is the entry's
	 * (the empty string is a leader's no-op, which only moves the index).
	 */
	apply(index: number, data: string): Applied;
	/** Everything applied so far, at `appliedIndex`. */
	snapshot(): StateSnapshot;
	/**
	 * Replaces the whole state with `snapshot`'s. Throws SnapshotError, changing nothing,
	 * if the data is not a valid snapshot of this machine at that index.
	 */
	restore(snapshot: StateSnapshot): void;
}

/** Snapshot data that cannot be restored (corrupt, truncated, another format, wrong index). */
export class SnapshotError extends Error {
	override name = "SnapshotError";
}
