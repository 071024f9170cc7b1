/** A follower's assembly of a snapshot from chunks: in order only, restarted by a new one. */
import { describe, expect, test } from "bun:test";
import type { SnapshotChunk } from "../../cluster/raft/messages.ts";
import { SnapshotReceiver } from "../../cluster/raft/snapshot-receiver.ts";

const meta = { index: 7, term: 3, config: { voters: [1, 2, 3], learners: [] } };
const DATA = "abcdefghij";

function chunk(offset: number, size: number, over: Partial<SnapshotChunk> = {}): SnapshotChunk {
	const data = DATA.slice(offset, offset + size);
	return {
		type: "snap",
		from: 1,
		to: 2,
		term: 3,
		meta,
		total: DATA.length,
		offset,
		data,
		done: offset + data.length === DATA.length,
		...over,
	};
}

describe("SnapshotReceiver", () => {
	test("chunks in order reassemble the snapshot", () => {
		const r = new SnapshotReceiver();
		expect(r.accept(chunk(0, 4))).toEqual({ kind: "partial", offset: 4 });
		expect(r.accept(chunk(4, 4))).toEqual({ kind: "partial", offset: 8 });
		expect(r.accept(chunk(8, 4))).toEqual({ kind: "complete", snapshot: { meta, data: DATA } });
		expect(r.received).toBe(0);
	});

	test("an empty snapshot is one chunk", () => {
		const r = new SnapshotReceiver();
		const empty = { ...chunk(0, 0), total: 0, data: "", done: true };
		expect(r.accept(empty)).toEqual({ kind: "complete", snapshot: { meta, data: "" } });
	});

	test("a chunk ahead of what is held is refused; a duplicate is only acknowledged", () => {
		const r = new SnapshotReceiver();
		r.accept(chunk(0, 4));
		expect(r.accept(chunk(8, 2))).toEqual({ kind: "reject", offset: 4 });
		expect(r.accept(chunk(0, 4))).toEqual({ kind: "partial", offset: 4 });
		expect(r.accept(chunk(4, 6))).toEqual({ kind: "complete", snapshot: { meta, data: DATA } });
	});

	test("a middle chunk with no transfer started is refused from 0", () => {
		const r = new SnapshotReceiver();
		expect(r.accept(chunk(4, 4))).toEqual({ kind: "reject", offset: 0 });
	});

	test("a first chunk of another snapshot, leader or term starts over", () => {
		const r = new SnapshotReceiver();
		r.accept(chunk(0, 4));
		const newer = { ...meta, index: 9 };
		expect(r.accept(chunk(0, 3, { meta: newer }))).toEqual({ kind: "partial", offset: 3 });
		// The old transfer's next chunk is now out of place.
		expect(r.accept(chunk(4, 4))).toEqual({ kind: "reject", offset: 0 });
		expect(r.accept(chunk(0, 2, { from: 3, term: 4 }))).toEqual({ kind: "partial", offset: 2 });
		expect(r.received).toBe(2);
	});

	test("an inconsistent chunk (past its total, or done in the middle) drops the assembly", () => {
		const r = new SnapshotReceiver();
		r.accept(chunk(0, 4));
		expect(r.accept(chunk(4, 2, { done: true }))).toEqual({ kind: "reject", offset: 0 });
		expect(r.received).toBe(0);
		expect(r.accept(chunk(8, 4, { total: 9 }))).toEqual({ kind: "reject", offset: 0 });
	});
});
