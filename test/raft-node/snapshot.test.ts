/**
 * Snapshots with real I/O: three members that snapshot every 20 entries. One is down while
 * the others write and compact past what it has; back, it catches up through InstallSnapshot
 * (in chunks, over the transport). Then it restarts from its snapshot and the WAL entries
 * after it. Waits poll a condition with a deadline.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { RaftNode } from "../../cluster/raft-node/raft-node.ts";
import { InProcessMembers, until } from "./in-process-members.ts";

const members = new InProcessMembers("raft-snap", { snapshotEvery: 20, snapshotChunkSize: 64 });
const nodes = members.nodes;
afterAll(() => members.closeAll());

const VOTERS = [1, 2, 3];
const start = (id: number, port = 0) => members.start(id, port);
const connectAll = () => members.connectAll();

const storedValue = (node: RaftNode, key: string) => {
	const result = node.kv.read(key);
	return result.kind === "get" ? result.value : undefined;
};

describe("Raft members with snapshots", () => {
	test("a member that was down catches up through InstallSnapshot, then restarts from it", async () => {
		for (const id of VOTERS) await start(id);
		connectAll();
		const leader = await until("a leader", () =>
			[...nodes.values()].find((node) => node.status().role === "leader"),
		);
		const away = [...nodes.values()].find((node) => node !== leader) as RaftNode;
		const port = away.port;
		await away.close();
		nodes.delete(away.id);

		// Long enough values that the snapshot takes many 64-character chunks.
		for (let seq = 1; seq <= 60; seq++) {
			const answer = await leader.propose(9, seq, {
				kind: "put",
				key: `key-${seq % 7}`,
				value: `value ${seq} ${"x".repeat(20)}`,
			});
			expect(answer.kind).toBe("ok");
		}
		await until("both remaining members to compact", () =>
			[...nodes.values()].every((node) => node.snapshotIndex >= 40) ? true : undefined,
		);
		expect(leader.snapshotIndex).toBeGreaterThan(0);

		const back = await start(away.id, port);
		connectAll();
		await until("the returning member to catch up", () =>
			storedValue(back, "key-4") === `value 60 ${"x".repeat(20)}` ? true : undefined,
		);
		expect(back.snapshotsInstalled).toBeGreaterThanOrEqual(1);
		expect(back.snapshotIndex).toBeGreaterThanOrEqual(40);
		// Sessions came with the snapshot: a retry of an old write is not applied again.
		const retry = await leader.propose(9, 60, { kind: "put", key: "key-4", value: "again" });
		expect(retry).toEqual({ kind: "ok", result: { kind: "put", revision: 9 } });

		// It restarts from its snapshot and the WAL after it, before hearing from anyone.
		const applied = back.kv.appliedIndex;
		await back.close();
		nodes.delete(back.id);
		const again = await start(back.id, port);
		expect(again.snapshotIndex).toBeGreaterThanOrEqual(40);
		expect(again.kv.appliedIndex).toBeGreaterThanOrEqual(again.snapshotIndex);
		expect(storedValue(again, "key-1")).toBe(`value 57 ${"x".repeat(20)}`);
		await until("the restarted member to apply its stored committed entries", () =>
			again.kv.appliedIndex >= applied ? true : undefined,
		);
		connectAll();
		await leader.propose(9, 61, { kind: "put", key: "last", value: "write" });
		await until("the restarted member to apply a new write", () =>
			storedValue(again, "last") === "write" ? true : undefined,
		);
	}, 30_000);
});
