/** Leadership transfer (Raft thesis §3.10) through a hand-driven cluster. */
import { describe, expect, test } from "bun:test";
import { NONE, type VoteRequest } from "../../cluster/raft/messages.ts";
import { TestCluster } from "./harness.ts";

function elected(size: number, learners: number[] = []): TestCluster {
	const c = new TestCluster(size, { learners });
	c.campaign(1);
	c.tick(1);
	c.settle();
	return c;
}

describe("leadership transfer", () => {
	test("the target campaigns at once, skipping PreVote, and wins despite the lease", () => {
		const c = elected(3);
		const term = c.node(1).term;
		expect(c.node(1).transferLeadership(2)).toEqual({ ok: true });
		c.collect(1);
		expect(c.pending()).toContainEqual({ type: "timeoutNow", from: 1, to: 2, term });
		const before = c.delivered.length;
		c.settle();
		const sent = c.delivered.slice(before);
		expect(sent.some((m) => m.type === "preVote")).toBe(false);
		const votes = sent.filter((m): m is VoteRequest => m.type === "vote");
		expect(votes.length).toBeGreaterThan(0);
		expect(votes.every((m) => m.transfer)).toBe(true);
		expect(c.node(2).role).toBe("leader");
		expect(c.node(2).term).toBe(term + 1);
		expect(c.node(1).role).toBe("follower");
		expect(c.node(1).lead).toBe(2);
	});

	test("a target that is behind is brought up to date before timeoutNow", () => {
		const c = elected(3);
		c.isolate(2);
		for (let i = 0; i < 4; i++) c.propose(1, `x${i}`);
		c.tick(1);
		c.settle();
		expect(c.node(1).transferLeadership(2)).toEqual({ ok: true });
		c.collect(1);
		expect(c.pending().some((m) => m.type === "timeoutNow")).toBe(false);
		c.healAll();
		c.settle();
		expect(c.node(2).role).toBe("leader");
		expect(
			c
				.node(2)
				.log.slice(1, 10)
				.map((e) => e.data),
		).toContain("x3");
	});

	test("proposals and configuration changes are refused while it runs", () => {
		const c = elected(3);
		c.isolate(2);
		c.node(1).transferLeadership(2);
		expect(c.node(1).transferTarget).toBe(2);
		expect(c.node(1).propose("w")).toEqual({ ok: false, leader: NONE, reason: "transferring" });
		expect(c.node(1).proposeConfChange({ kind: "remove", id: 3 })).toMatchObject({
			ok: false,
			reason: "transferring",
		});
	});

	test("abandoned after an election timeout: the leader takes proposals again", () => {
		const c = elected(3);
		c.isolate(2);
		c.node(1).transferLeadership(2);
		c.tick(1, 9);
		expect(c.node(1).transferTarget).toBe(2);
		c.tick(1);
		expect(c.node(1).transferTarget).toBe(NONE);
		expect(c.node(1).role).toBe("leader");
		expect(c.node(1).propose("w")).toMatchObject({ ok: true });
	});

	test("a learner, an unknown node, or a follower's request is refused", () => {
		const c = elected(3, [4]);
		expect(c.node(1).transferLeadership(4)).toEqual({
			ok: false,
			reason: "invalid",
			message: "node 4 is a learner: only a voter can lead (promote it first)",
		});
		expect(c.node(1).transferLeadership(9)).toEqual({
			ok: false,
			reason: "invalid",
			message: "node 9 is not a member",
		});
		expect(c.node(2).transferLeadership(3)).toEqual({ ok: false, reason: "notLeader", leader: 1 });
		expect(c.node(1).transferLeadership(1)).toEqual({ ok: true }); // it leads already
	});

	test("a learner told to campaign does not", () => {
		const c = elected(3, [4]);
		c.node(4).step({ type: "timeoutNow", from: 1, to: 4, term: c.node(1).term });
		c.collect(4);
		expect(c.node(4).role).toBe("follower");
		expect(c.pending()).toEqual([]);
	});
});
