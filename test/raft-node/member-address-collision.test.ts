/**
 * Two members at one address: a node added at a Raft (or API) address another member has.
 * The transport refuses a handshake from a node that is not the one dialled, so the new
 * member could never be reached; added as a voter it would count toward every quorum and
 * never answer. The leader refuses such an add before it reaches the log.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RaftNode } from "../../cluster/raft-node/raft-node.ts";
import { address, InProcessMembers, until } from "./in-process-members.ts";

let members: InProcessMembers;
let leader: RaftNode;

beforeAll(async () => {
	members = new InProcessMembers("address-collision");
	for (const id of [1, 2, 3]) await members.start(id, 23_110 + id);
	members.connectAll();
	leader = await until("a leader", () => members.leader());
	await until("an applied entry of the leader's term", () =>
		leader.status().applied > 0 ? true : undefined,
	);
});

afterAll(async () => {
	await members.closeAll();
});

describe("adding a member at another member's address", () => {
	test("a learner at a follower's Raft address is refused, and the members stay as they were", async () => {
		const follower = [...members.nodes.values()].find((node) => node !== leader) as RaftNode;
		const answer = await leader.changeMembership({
			kind: "addLearner",
			id: 4,
			raftAddress: address(follower),
		});
		expect(answer).toEqual({
			kind: "refused",
			reason: "invalid",
			message: `node ${follower.id} already has Raft address 127.0.0.1:${follower.port}`,
		});
		expect(leader.members().map((m) => m.id)).toEqual([1, 2, 3]);
	});

	test("a voter at the leader's own Raft address is refused", async () => {
		const answer = await leader.changeMembership({
			kind: "addVoter",
			id: 5,
			raftAddress: address(leader),
		});
		expect(answer.kind).toBe("refused");
		expect(leader.members().map((m) => m.id)).toEqual([1, 2, 3]);
	});

	test("a node at an address no member has is added", async () => {
		const answer = await leader.changeMembership({
			kind: "addLearner",
			id: 6,
			raftAddress: { host: "127.0.0.1", port: 23_119 },
		});
		expect(answer.kind).toBe("ok");
		expect(leader.members().map((m) => m.id)).toEqual([1, 2, 3, 6]);
	});
});
