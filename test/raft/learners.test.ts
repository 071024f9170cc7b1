import { describe, expect, test } from "bun:test";
import { Raft } from "../../cluster/raft/raft.ts";
import { TestCluster } from "./harness.ts";

describe("Raft learners (non-voting members)", () => {
	test("a learner receives and applies the log", () => {
		const c = new TestCluster(3, { learners: [4] });
		c.campaign(1);
		c.propose(1, "x");
		c.settle();
		c.tick(1);
		c.settle();
		expect(c.applied.get(4)?.map((e) => e.data)).toEqual(["", "x"]);
		expect(c.node(4).lead).toBe(1);
	});

	test("a learner never campaigns, however long it hears nothing", () => {
		const c = new TestCluster(3, { learners: [4] });
		c.tick(4, 500);
		c.settle();
		expect(c.node(4).role).toBe("follower");
		expect(c.node(4).term).toBe(0);
		expect(c.pending()).toEqual([]);
	});

	test("a learner's acknowledgement does not count toward a commit", () => {
		const c = new TestCluster(3, { learners: [4, 5] });
		c.campaign(1);
		c.isolate(2);
		c.isolate(3);
		c.propose(1, "x");
		c.settle();
		expect(c.node(4).log.lastIndex()).toBe(2);
		expect(c.node(5).log.lastIndex()).toBe(2);
		expect(c.node(1).log.committed).toBe(1); // two learners, no voter but the leader
		c.healAll();
		c.tick(1);
		c.settle();
		expect(c.node(1).log.committed).toBe(2);
	});

	test("nor toward CheckQuorum, nor toward a ReadIndex quorum", () => {
		const c = new TestCluster(3, { learners: [4, 5] });
		c.campaign(1);
		c.isolate(2);
		c.isolate(3);
		c.node(1).readIndex("r");
		c.collect(1);
		for (let i = 0; i < 20; i++) {
			c.tick(1);
			c.settle();
		}
		expect(c.readStates.get(1)).toEqual([]);
		expect(c.node(1).role).toBe("follower"); // learners answered, voters did not
	});

	test("learners' votes are not counted", () => {
		const c = new TestCluster(3, { learners: [4, 5], preVote: false });
		c.isolate(2);
		c.isolate(3);
		c.campaign(1);
		expect(c.node(1).role).toBe("candidate");
	});

	test("a node must be a voter or a learner, not both", () => {
		const base = {
			electionTicks: 10,
			heartbeatTicks: 1,
			random: () => 0,
			preVote: true,
			checkQuorum: true,
			maxEntriesPerAppend: 8,
			maxInflight: 2,
		};
		expect(() => new Raft({ ...base, id: 1, peers: [1, 2], learners: [2] })).toThrow("both");
		expect(new Raft({ ...base, id: 4, peers: [1, 2, 3], learners: [4] }).learners).toEqual([4]);
	});
});
