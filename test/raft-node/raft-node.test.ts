/**
 * Three Raft members with real I/O in one process: the core on a tick timer, a write-ahead
 * log each in a temp dir, the transport over loopback. A leader is elected, writes commit
 * and read back linearizably, a follower answers NotLeader naming the leader, and a member
 * restarted from its log has every committed write. Waits poll a condition with a deadline.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { Message } from "../../cluster/raft/messages.ts";
import type { RaftNode } from "../../cluster/raft-node/raft-node.ts";
import { Transport } from "../../cluster/transport/transport.ts";
import { InProcessMembers, until } from "./in-process-members.ts";

const members = new InProcessMembers("raft-node");
const nodes = members.nodes;
afterAll(() => members.closeAll());

const VOTERS = [1, 2, 3];
const start = (id: number, port = 0) => members.start(id, port);
const connectAll = () => members.connectAll();

const holds = (node: RaftNode, key: string) => {
	const found = node.kv.read(key);
	return found.kind === "get" && found.value !== null;
};

const leader = () => [...nodes.values()].find((node) => node.status().role === "leader");

describe("Raft members with real I/O", () => {
	test("elect, write, read linearizably, redirect, and recover from the log", async () => {
		for (const id of VOTERS) await start(id);
		connectAll();
		const first = await until("a leader", leader);
		const put = await first.propose(7, 1, { kind: "put", key: "greeting", value: "hello" });
		expect(put).toEqual({ kind: "ok", result: { kind: "put", revision: 1 } });
		const cas = await first.propose(7, 2, {
			kind: "cas",
			key: "greeting",
			expected: "hello",
			value: "bye",
		});
		expect(cas.kind === "ok" && cas.result.kind === "cas" && cas.result.ok).toBe(true);
		expect(await first.read("greeting")).toEqual({
			kind: "ok",
			result: { kind: "get", value: "bye", revision: 2 },
		});

		const follower = [...nodes.values()].find((node) => node !== first) as RaftNode;
		await until("the follower to know the leader", () =>
			follower.status().leader === first.id ? true : undefined,
		);
		expect(await follower.read("greeting")).toEqual({ kind: "notLeader", leader: first.id });

		// The follower stops and comes back on the same port from its log alone.
		const port = follower.port;
		await follower.close();
		nodes.delete(follower.id);
		const again = await start(follower.id, port);
		connectAll();
		await first.propose(7, 3, { kind: "put", key: "after", value: "restart" });
		await until("the restarted member to apply everything", () => {
			const after = again.kv.read("after");
			return after.kind === "get" && after.value === "restart" ? true : undefined;
		});
		expect(again.kv.read("greeting")).toEqual({ kind: "get", value: "bye", revision: 2 });
	}, 30_000);

	test("64 concurrent proposals go out in one append per follower, not one per proposal", async () => {
		const current = await until("a leader", leader);
		// Let the restart's catch-up settle, then count the appends 64 proposals cost.
		await current.propose(8, 1, { kind: "put", key: "settle", value: "x" });
		for (const node of nodes.values())
			await until("every member to apply it", () =>
				holds(node, "settle") && node.kv.appliedIndex >= current.kv.appliedIndex ? true : undefined,
			);
		// Every member's transport goes through this: count the leader's appends with entries.
		const send = Transport.prototype.send;
		const appends: number[] = [];
		Transport.prototype.send = function (this: Transport<Message>, peer, message) {
			if (message.type === "app" && message.from === current.id && message.entries.length > 0)
				appends.push(message.entries.length);
			return send.call(this, peer, message);
		};
		try {
			const answers = await Promise.all(
				Array.from({ length: 64 }, (_, i) =>
					current.propose(9, i + 1, { kind: "put", key: `batch-${i}`, value: `${i}` }),
				),
			);
			expect(answers.every((a) => a.kind === "ok")).toBe(true);
		} finally {
			Transport.prototype.send = send;
		}
		// Heartbeats and commit-only appends come and go with the timing; appends carrying
		// entries do not: the 64 proposals of one turn are one Ready, one append per follower.
		expect(appends).toEqual([64, 64]);
		for (const node of nodes.values())
			await until("every member to apply the batch", () =>
				holds(node, "batch-63") && node.kv.appliedIndex >= current.kv.appliedIndex
					? true
					: undefined,
			);
	}, 30_000);
});
