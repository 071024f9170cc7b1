/**
 * A leader's half of InstallSnapshot: the chunks to send a follower now. Chunks go out in
 * order while fewer than `window` of them are unconfirmed, so a large snapshot neither
 * floods the link nor waits a round trip per chunk. Pure: it only advances the transfer.
 */
import type { NodeId, SnapshotChunk } from "./messages.ts";
import type { SnapshotTransfer } from "./progress.ts";
import type { Snapshot } from "./snapshot.ts";

export interface ChunkPlan {
	readonly from: NodeId;
	readonly to: NodeId;
	readonly term: number;
	readonly snapshot: Snapshot;
	/** Most code units of data per chunk. */
	readonly chunkSize: number;
	/** Most unconfirmed chunks. */
	readonly window: number;
}

export function nextChunks(plan: ChunkPlan, transfer: SnapshotTransfer): SnapshotChunk[] {
	const { snapshot, chunkSize } = plan;
	const total = snapshot.data.length;
	const out: SnapshotChunk[] = [];
	while (!transfer.allSent && transfer.next - transfer.acked < plan.window * chunkSize) {
		const offset = transfer.next;
		const end = Math.min(total, offset + chunkSize);
		out.push({
			type: "snap",
			from: plan.from,
			to: plan.to,
			term: plan.term,
			meta: snapshot.meta,
			total,
			offset,
			data: snapshot.data.slice(offset, end),
			done: end === total,
		});
		transfer.next = end;
		// An empty snapshot still takes one chunk, the last.
		if (end === total) transfer.allSent = true;
	}
	return out;
}
