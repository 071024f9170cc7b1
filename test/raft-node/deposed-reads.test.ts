/**
 * A linearizable read a leader took but could not confirm (no quorum answered its
 * heartbeat) when it stopped leading: the core forgets it, so the member must answer its
 * caller NotLeader rather than leave the call (an HTTP request) waiting for good. It must
 * never serve it: a deposed leader's state may be stale.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Answer } from "../../cluster/raft-node/proposal-waiters.ts";
import { InProcessMembers, until } from "./in-process-members.ts";

let members: InProcessMembers | undefined;

afterEach(async () => {
	await members?.closeAll();
	members = undefined;
});

/** What `promise` settled to by now, or "pending": settled callbacks run before a timer's. */
async function settled<T>(promise: Promise<T>): Promise<T | "pending"> {
	return Promise.race([promise, new Promise<"pending">((r) => setTimeout(() => r("pending"), 0))]);
}

describe("reads on a leader that steps down", () => {
	test("a read the quorum never confirmed is answered NotLeader once the leader steps down", async () => {
		members = new InProcessMembers("deposed-reads");
		for (const id of [1, 2, 3]) await members.start(id, 23_100 + id);
		members.connectAll();
		const cluster = members;
		const leader = await until("a leader", () => cluster.leader());
		await until("an applied entry of the leader's term", () =>
			leader.status().applied > 0 ? true : undefined,
		);
		// Both followers go: the read's heartbeat round is never answered, and CheckQuorum
		// makes the leader step down an election timeout later.
		for (const node of cluster.nodes.values()) if (node !== leader) await node.close();
		const read: Promise<Answer> = leader.read("k");
		await until("the leader to step down", () =>
			leader.status().role !== "leader" ? true : undefined,
		);
		const answer = await settled(read);
		expect(answer).toEqual({ kind: "notLeader", leader: 0 });
	});
});
