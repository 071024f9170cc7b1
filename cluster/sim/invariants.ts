/**
 * Safety properties checked while a simulation runs: at most one leader per term (§5.2),
 * and committed entries never lost or changed: every entry any node applies must equal the
 * one every other node applied at that index, and each node (each incarnation, from empty
 * or from its snapshot) applies a gapless prefix of that one sequence. Snapshots are
 * checked against a reference state machine fed that sequence: whatever a node snapshots
 * or restores at index i must equal the reference's snapshot at i.
 */

import type { Entry, NodeId } from "../raft/messages.ts";
import type { StateMachine } from "../raft/state-machine.ts";

export interface SnapshotCheck {
	/** Nodes snapshot exactly at multiples of this (see sim-node.ts); 0 if they never do. */
	readonly every: number;
	readonly newMachine: () => StateMachine<unknown>;
}

export class Invariants {
	readonly failures: string[] = [];
	private readonly leaders = new Map<number, NodeId>();
	/** The one committed sequence, from index 1 (slot 0 unused). */
	private readonly committed: Entry[] = [];
	private readonly nextIndex = new Map<NodeId, number>();
	private readonly reference: StateMachine<unknown> | undefined;
	/** The reference's snapshot data at each multiple of `every` it passed. */
	private readonly referenceSnapshots = new Map<number, string>();

	constructor(
		private readonly now: () => number,
		private readonly snapshots: SnapshotCheck | undefined = undefined,
	) {
		this.reference = snapshots && snapshots.every > 0 ? snapshots.newMachine() : undefined;
	}

	get committedLength(): number {
		return this.committed.length;
	}

	get leaderTerms(): number {
		return this.leaders.size;
	}

	leader(term: number, id: NodeId): void {
		const known = this.leaders.get(term);
		if (known === undefined) this.leaders.set(term, id);
		else if (known !== id) this.fail(`two leaders in term ${term}: ${known} and ${id}`);
	}

	/** A node starts (or restarts) with an empty state machine. */
	started(id: NodeId): void {
		this.nextIndex.set(id, 1);
	}

	/** A node's state machine took `data` (from its disk or a leader) as its state at `index`. */
	restored(id: NodeId, index: number, data: string): void {
		this.checkSnapshot(id, "restored", index, data);
		this.nextIndex.set(id, index + 1);
	}

	/** A node's state machine snapshotted its state at `index` (its applied index). */
	snapshotted(id: NodeId, index: number, data: string): void {
		if (this.appliedBy(id) !== index) {
			this.fail(`node ${id} snapshotted at ${index} but applied ${this.appliedBy(id)}`);
		}
		this.checkSnapshot(id, "snapshotted", index, data);
	}

	applied(id: NodeId, entry: Entry): void {
		const expected = this.nextIndex.get(id) ?? 1;
		if (entry.index !== expected) {
			this.fail(`node ${id} applied index ${entry.index}, expected ${expected}`);
		}
		this.nextIndex.set(id, entry.index + 1);
		const known = this.committed[entry.index - 1];
		if (known === undefined) {
			if (entry.index !== this.committed.length + 1) {
				this.fail(
					`node ${id} applied ${entry.index} past the committed end ${this.committed.length}`,
				);
			}
			this.committed[entry.index - 1] = entry;
			this.feedReference(entry);
		} else if (known.term !== entry.term || known.data !== entry.data) {
			this.fail(`node ${id} applied ${describe(entry)} where ${describe(known)} was committed`);
		}
	}

	/** The one committed sequence so far (what any node applied), from index 1. */
	committedEntries(): readonly Entry[] {
		return this.committed;
	}

	appliedBy(id: NodeId): number {
		return (this.nextIndex.get(id) ?? 1) - 1;
	}

	fail(message: string): void {
		if (this.failures.length < 20) this.failures.push(`t=${this.now()}: ${message}`);
	}

	private feedReference(entry: Entry): void {
		const reference = this.reference;
		if (reference === undefined || reference.appliedIndex !== entry.index - 1) return;
		reference.apply(entry.index, entry.data);
		const every = this.snapshots?.every ?? 0;
		if (entry.index % every === 0) {
			this.referenceSnapshots.set(entry.index, reference.snapshot().data);
		}
	}

	private checkSnapshot(id: NodeId, what: string, index: number, data: string): void {
		if (index > this.committed.length) {
			this.fail(`node ${id} ${what} at ${index}, past the committed end ${this.committed.length}`);
			return;
		}
		if (this.reference === undefined) return;
		const expected = this.referenceSnapshots.get(index);
		if (expected === undefined) {
			this.fail(`node ${id} ${what} at ${index}, not a multiple of ${this.snapshots?.every}`);
		} else if (expected !== data) {
			this.fail(
				`node ${id} ${what} at ${index}: ${data.slice(0, 120)} where the committed entries give ${expected.slice(0, 120)}`,
			);
		}
	}
}

function describe(entry: Entry): string {
	return `(index ${entry.index}, term ${entry.term}, ${JSON.stringify(entry.data.slice(0, 60))})`;
}
