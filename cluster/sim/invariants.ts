/**
 * Safety properties checked while a simulation runs: at most one leader per term (§5.2),
 * and committed entries never lost or changed: every entry any node applies must equal the
 * one every other node applied at that index, and each node (each incarnation: a restart
 * rebuilds its state machine from index 1) applies a gapless prefix of that one sequence.
 */
import type { Entry, NodeId } from "../raft/messages.ts";

export class Invariants {
	readonly failures: string[] = [];
	private readonly leaders = new Map<number, NodeId>();
	/** The one committed sequence, from index 1 (slot 0 unused). */
	private readonly committed: Entry[] = [];
	private readonly nextIndex = new Map<NodeId, number>();

	constructor(private readonly now: () => number) {}

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
}

function describe(entry: Entry): string {
	return `(index ${entry.index}, term ${entry.term}, ${JSON.stringify(entry.data.slice(0, 60))})`;
}
