/**
 * Snapshots as the WAL stores them for a member: the membership travels in the bytes, and
 * bytes that are not a snapshot stop a member from starting with a clear error, leaving the
 * directory unlocked.
 */

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SnapshotError } from "../../cluster/raft/state-machine.ts";
import { encodeMemberSnapshot } from "../../cluster/raft-node/member-snapshot.ts";
import { RaftNode } from "../../cluster/raft-node/raft-node.ts";
import { snapshotFromWal, snapshotToWal } from "../../cluster/raft-node/snapshot-storage.ts";
import { Wal } from "../../cluster/wal/wal.ts";

const root = mkdtempSync(join(tmpdir(), "neuro-snap-storage-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const snapshot = {
	meta: { index: 12, term: 3, config: { voters: [1, 2, 3], learners: [9] } },
	data: '{"any":"state ✓"}',
};

/** A data dir whose WAL holds a snapshot with these bytes. */
async function dirWithSnapshot(name: string, data: Uint8Array): Promise<string> {
	const dir = join(root, name);
	const { wal } = await Wal.open(dir, { log: () => {} });
	await wal.saveSnapshot({ index: 12, term: 3, data });
	await wal.close();
	return dir;
}

const startOn = (dataDir: string) =>
	RaftNode.start({
		id: 1,
		voters: [1, 2, 3],
		listen: { host: "127.0.0.1", port: 0 },
		dataDir,
		tickMs: 10,
		electionTicks: 10,
		heartbeatTicks: 2,
		log: () => {},
	});

describe("member snapshots on disk", () => {
	test("round-trip: index, term, membership and data", () => {
		expect(snapshotFromWal(snapshotToWal(snapshot))).toEqual(snapshot);
	});

	test("bytes that are not a stored snapshot are refused", () => {
		const bad = [
			new Uint8Array([0xff, 0xfe, 0x00]),
			new TextEncoder().encode('{"config":{"voters":[1]},"data":"x"}'),
			new TextEncoder().encode('{"config":{"voters":[0],"learners":[]},"data":"x"}'),
			new TextEncoder().encode("[]"),
		];
		for (const data of bad) {
			expect(() => snapshotFromWal({ index: 5, term: 1, data })).toThrow(SnapshotError);
		}
	});

	test("a member whose snapshot is corrupt does not start, and releases its directory", async () => {
		const dir = await dirWithSnapshot("corrupt-envelope", new TextEncoder().encode("garbage"));
		await expect(startOn(dir)).rejects.toThrow(SnapshotError);
		// The lock went with the failed start: the log opens again.
		const { wal } = await Wal.open(dir, { log: () => {} });
		await wal.close();
	});

	test("a member whose KV state in the snapshot is truncated does not start", async () => {
		const kvData = '{"format":"neurocache-kv/1","index":12,"keys":[["a","1",1]],"sess';
		const data = encodeMemberSnapshot({ state: kvData, addresses: [] });
		const stored = snapshotToWal({ ...snapshot, data });
		const dir = await dirWithSnapshot("truncated-kv", stored.data);
		await expect(startOn(dir)).rejects.toThrow("state snapshot at 12 is not JSON");
	});
});
