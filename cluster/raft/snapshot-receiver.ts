/**
 * A follower's half of InstallSnapshot: assembles one leader's snapshot from its chunks,
 * strictly in order. A chunk that does not start where the assembled part ends is refused
 * with the offset to resend from (a duplicate of one already held is only acknowledged); a
 * first chunk from another leader, term or snapshot starts over. Pure.
 */
import type { NodeId, SnapshotChunk } from "./messages.ts";
import type { Snapshot, SnapshotMeta } from "./snapshot.ts";

export type ChunkOutcome =
	/** Held so far: the next chunk must start at `offset`. */
	| { readonly kind: "partial"; readonly offset: number }
	/** Out of order or inconsistent: resend from `offset`. */
	| { readonly kind: "reject"; readonly offset: number }
	| { readonly kind: "complete"; readonly snapshot: Snapshot };

interface Assembly {
	readonly from: NodeId;
	readonly term: number;
	readonly meta: SnapshotMeta;
	readonly total: number;
	readonly parts: string[];
	received: number;
}

export class SnapshotReceiver {
	private assembly: Assembly | undefined;

	/** The assembled length of the snapshot in progress (for tests and status). */
	get received(): number {
		return this.assembly?.received ?? 0;
	}

	accept(m: SnapshotChunk): ChunkOutcome {
		if (!chunkIsConsistent(m)) {
			this.assembly = undefined;
			return { kind: "reject", offset: 0 };
		}
		let current = this.assembly;
		if (current === undefined || !sameTransfer(current, m)) {
			// Only a first chunk can start a transfer; anything else is from one we do not hold.
			if (m.offset !== 0) return { kind: "reject", offset: 0 };
			current = {
				from: m.from,
				term: m.term,
				meta: m.meta,
				total: m.total,
				parts: [],
				received: 0,
			};
			this.assembly = current;
		}
		if (m.offset < current.received) return { kind: "partial", offset: current.received };
		if (m.offset > current.received) return { kind: "reject", offset: current.received };
		current.parts.push(m.data);
		current.received += m.data.length;
		if (!m.done) return { kind: "partial", offset: current.received };
		this.assembly = undefined;
		return { kind: "complete", snapshot: { meta: current.meta, data: current.parts.join("") } };
	}

	/** Drops a half-assembled snapshot (it was installed or superseded another way). */
	reset(): void {
		this.assembly = undefined;
	}
}

/** The chunk lies inside its snapshot, and says it is the last exactly when it ends it. */
function chunkIsConsistent(m: SnapshotChunk): boolean {
	const end = m.offset + m.data.length;
	return end <= m.total && m.done === (end === m.total);
}

function sameTransfer(a: Assembly, m: SnapshotChunk): boolean {
	return (
		a.from === m.from &&
		a.term === m.term &&
		a.meta.index === m.meta.index &&
		a.meta.term === m.meta.term &&
		a.total === m.total
	);
}
