import { describe, expect, test } from "bun:test";
import { NONE } from "../../cluster/raft/messages.ts";
import { Raft } from "../../cluster/raft/raft.ts";
import { TestCluster } from "./harness.ts";

describe("Raft election", () => {
	test("a node that times out wins a pre-vote, then the election, and commits a no-op", () => {
		const c = new TestCluster(3);
		c.tick(1, 9);
		expect(c.node(1).role).toBe("follower");
		c.tick(1);
		expect(c.node(1).role).toBe("preCandidate");
		expect(c.node(1).term).toBe(0); // a pre-vote changes no term
		c.settle();
		expect(c.node(1).role).toBe("leader");
		expect(c.node(1).term).toBe(1);
		for (const id of [2, 3]) {
			expect(c.node(id).role).toBe("follower");
			expect(c.node(id).lead).toBe(1);
			expect(c.node(id).term).toBe(1);
		}
		for (const id of c.ids) {
			expect(c.applied.get(id)?.map((e) => [e.index, e.term, e.data])).toEqual([[1, 1, ""]]);
		}
	});

	test("without a quorum a pre-candidate never raises its term", () => {
		const c = new TestCluster(3);
		c.isolate(1);
		for (let i = 0; i < 10; i++) c.campaign(1);
		expect(c.node(1).role).toBe("preCandidate");
		expect(c.node(1).term).toBe(0);
	});

	test("without PreVote an isolated node raises its term at every timeout", () => {
		const c = new TestCluster(3, { preVote: false });
		c.isolate(1);
		for (let i = 0; i < 5; i++) c.campaign(1);
		expect(c.node(1).role).toBe("candidate");
		expect(c.node(1).term).toBe(5);
	});

	test("randomized timeouts come from the injected random, within [T, 2T)", () => {
		const timeoutWith = (r: number) => {
			const node = new Raft({
				id: 1,
				peers: [1, 2, 3],
				electionTicks: 10,
				heartbeatTicks: 1,
				random: () => r,
				preVote: false,
				checkQuorum: false,
				maxEntriesPerAppend: 8,
				maxInflight: 2,
			});
			let ticks = 0;
			while (node.role === "follower") {
				node.tick();
				ticks++;
			}
			return ticks;
		};
		expect(timeoutWith(0)).toBe(10);
		expect(timeoutWith(0.5)).toBe(15);
		expect(timeoutWith(0.999)).toBe(19);
	});

	test("a node votes once per term, and a restart remembers the vote", () => {
		const c = new TestCluster(3, { preVote: false });
		c.isolate(3);
		c.campaign(1); // node 1 asks 2 and wins: 2 voted for 1 in term 1
		expect(c.node(1).role).toBe("leader");
		expect(c.node(2).vote).toBe(1);
		c.crash(2);
		c.restart(2);
		expect(c.node(2).term).toBe(1);
		expect(c.node(2).vote).toBe(1);
		// A candidate in the same term does not get node 2's vote.
		c.node(2).step({
			type: "vote",
			from: 3,
			to: 2,
			term: 1,
			lastIndex: 9,
			lastTerm: 9,
			transfer: false,
		});
		c.collect(2);
		const answer = c.pending().find((m) => m.from === 2 && m.to === 3);
		expect(answer).toMatchObject({ type: "voteResp", reject: true });
	});

	test("a vote goes only to a candidate whose log is at least as up to date (§5.4.1)", () => {
		const c = new TestCluster(3, { preVote: false, checkQuorum: false });
		c.campaign(1);
		c.propose(1, "x");
		c.settle();
		// A candidate whose log lacks the last entry (index 2, term 1).
		c.node(2).step({
			type: "vote",
			from: 3,
			to: 2,
			term: 5,
			lastIndex: 1,
			lastTerm: 1,
			transfer: false,
		});
		c.collect(2);
		expect(c.pending().at(-1)).toMatchObject({ type: "voteResp", from: 2, reject: true });
		expect(c.node(2).vote).toBe(NONE);
	});

	test("PreVote: a node cut off from the leader does not disrupt it", () => {
		const c = new TestCluster(3);
		c.campaign(1);
		expect(c.node(1).role).toBe("leader");
		c.cutLink(1, 3); // 3 still reaches 2, which hears from the leader
		for (let round = 0; round < 5; round++) {
			for (let t = 0; t < 20; t++) {
				c.tick(1);
				c.tick(2);
				c.tick(3);
				c.settle();
			}
		}
		expect(c.node(3).role).toBe("preCandidate");
		expect(c.node(1).role).toBe("leader");
		for (const id of c.ids) expect(c.node(id).term).toBe(1);
		c.healAll();
		for (let t = 0; t < 5; t++) {
			for (const id of c.ids) c.tick(id);
			c.settle();
		}
		expect(c.node(1).role).toBe("leader");
		expect(c.node(3).role).toBe("follower");
		expect(c.node(3).lead).toBe(1);
		expect(c.node(3).term).toBe(1);
	});

	test("without PreVote the same cut deposes the leader (what PreVote prevents)", () => {
		const c = new TestCluster(3, { preVote: false, checkQuorum: false });
		c.campaign(1);
		c.cutLink(1, 3);
		for (let t = 0; t < 40; t++) {
			for (const id of c.ids) c.tick(id);
			c.settle();
		}
		expect(c.node(1).term).toBeGreaterThan(1);
	});

	test("CheckQuorum: a leader that hears from no quorum for an election timeout steps down", () => {
		const c = new TestCluster(3);
		c.campaign(1);
		c.isolate(1);
		c.tick(1, 10);
		expect(c.node(1).role).toBe("leader"); // active peers were heard in the first round
		c.tick(1, 10);
		expect(c.node(1).role).toBe("follower");
		expect(c.node(1).lead).toBe(NONE);
		expect(c.node(1).term).toBe(1);
	});

	test("without CheckQuorum an isolated leader stays leader", () => {
		const c = new TestCluster(3, { checkQuorum: false });
		c.campaign(1);
		c.isolate(1);
		c.tick(1, 100);
		expect(c.node(1).role).toBe("leader");
	});

	test("a candidate behind in term learns the term from a refused vote, and wins the next election", () => {
		// Node 1 ran ahead in term alone; node 2's request at a lower term reaches only node 1.
		// Unanswered, node 2 would campaign one term at a time, never above node 1's, and a
		// cluster where node 1 sends node 2 nothing (it does not count it a peer yet) stayed
		// leaderless for as long as the two kept timing out at the same rate.
		const c = new TestCluster(3, { preVote: false, checkQuorum: false });
		c.isolate(1);
		for (let i = 0; i < 4; i++) c.campaign(1);
		expect(c.node(1).term).toBe(4);
		c.healAll();
		c.cutLink(2, 3);
		c.campaign(2); // at term 1, and the answers settled
		expect(c.delivered).toContainEqual(
			expect.objectContaining({ type: "vote", from: 2, to: 1, term: 1 }),
		);
		expect(c.delivered).toContainEqual(
			expect.objectContaining({ type: "voteResp", from: 1, to: 2, term: 4, reject: true }),
		);
		expect(c.node(2).role).toBe("follower");
		expect(c.node(2).term).toBe(4);
		// Node 1 has not timed out again: node 2's next campaign is above its term and wins.
		c.campaign(2);
		c.settle();
		expect(c.node(2).role).toBe("leader");
		expect(c.node(2).term).toBe(5);
	});

	test("a stale leader learns the new term from the answers to its appends", () => {
		const c = new TestCluster(3, { checkQuorum: false, randomFor: (id) => (id === 3 ? 0.5 : 0) });
		c.campaign(1);
		c.isolate(1);
		c.tick(3, 10); // node 3's pre-vote lease on leader 1 runs out (its timeout is 15)
		c.campaign(2);
		expect(c.node(2).role).toBe("leader");
		expect(c.node(2).term).toBe(2);
		expect(c.leaders().sort()).toEqual([1, 2]); // different terms: allowed
		c.healAll();
		c.tick(1); // heartbeat in term 1 -> answered in term 2
		c.settle();
		expect(c.node(1).role).toBe("follower");
		expect(c.node(1).term).toBe(2);
		expect(c.leaders()).toEqual([2]);
	});
});
