/**
 * Single-server membership changes (Raft thesis §4.1-§4.3) through a hand-driven cluster:
 * each test pins one rule and fails if the core stops following it.
 */
import { describe, expect, test } from "bun:test";
import {
	applyConfChange,
	CONF_CHANGE_PREFIX,
	type ConfChange,
	decodeConfEntry,
	encodeConfEntry,
} from "../../cluster/raft/membership.ts";
import { NONE } from "../../cluster/raft/messages.ts";
import { type Options, TestCluster } from "./harness.ts";

const address = { host: "127.0.0.1", port: 7000 };
const addLearner = (id: number): ConfChange => ({ kind: "addLearner", id, raftAddress: address });
const addVoter = (id: number): ConfChange => ({ kind: "addVoter", id, raftAddress: address });

/** A cluster of `size` with node 1 elected and its no-op committed everywhere. */
function elected(size: number, options: Options = {}): TestCluster {
	const c = new TestCluster(size, options);
	c.campaign(1);
	c.tick(1);
	c.settle();
	return c;
}

/** Proposes `change` on node 1, which must accept it. */
function change(c: TestCluster, conf: ConfChange): number {
	const result = c.node(1).proposeConfChange(conf);
	if (!result.ok) throw new Error(`refused: ${JSON.stringify(result)}`);
	c.collect(1);
	return result.index;
}

/** Ticks the leader and delivers until nothing moves. */
function settle(c: TestCluster, rounds = 3): void {
	for (let i = 0; i < rounds; i++) {
		c.tick(1);
		c.settle();
	}
}

describe("configuration entries", () => {
	test("encode and decode; other data is not one", () => {
		const entry = { change: addLearner(4), config: { voters: [1, 2, 3], learners: [4] } };
		const data = encodeConfEntry(entry);
		expect(decodeConfEntry(data)).toEqual(entry);
		expect(decodeConfEntry('{"client":1}')).toBeUndefined();
		expect(decodeConfEntry("")).toBeUndefined();
		expect(() => decodeConfEntry(`${CONF_CHANGE_PREFIX}{}`)).toThrow("malformed configuration");
		expect(() => decodeConfEntry(`${CONF_CHANGE_PREFIX}{`)).toThrow("malformed configuration");
	});

	test("propose() refuses data that would pass for a configuration entry", () => {
		const c = elected(3);
		const data = encodeConfEntry({ change: addLearner(4), config: { voters: [1], learners: [] } });
		expect(() => c.node(1).propose(data)).toThrow("proposeConfChange");
	});

	test("bad changes are refused with the reason", () => {
		const config = { voters: [1, 2], learners: [3] };
		const refused = (conf: ConfChange) => {
			const result = applyConfChange(config, conf);
			return result.ok ? "accepted" : result.message;
		};
		expect(refused(addLearner(2))).toBe("node 2 is already a voter");
		expect(refused(addLearner(3))).toBe("node 3 is already a learner");
		expect(refused(addVoter(3))).toBe("node 3 is a learner: promote it instead");
		expect(refused({ kind: "promote", id: 2 })).toBe("node 2 is already a voter");
		expect(refused({ kind: "promote", id: 9 })).toBe("node 9 is not a member");
		expect(refused({ kind: "remove", id: 9 })).toBe("node 9 is not a member");
		expect(applyConfChange({ voters: [1], learners: [] }, { kind: "remove", id: 1 })).toEqual({
			ok: false,
			message: "node 1 is the last voter; a cluster needs one",
		});
	});

	test("the leader refuses bad changes too: unknown node, duplicate add, last voter", () => {
		const c = elected(3);
		expect(c.node(1).proposeConfChange({ kind: "remove", id: 7 })).toMatchObject({
			ok: false,
			reason: "invalid",
			message: "node 7 is not a member",
		});
		expect(c.node(1).proposeConfChange(addVoter(2))).toMatchObject({ reason: "invalid" });
		const single = elected(1);
		expect(single.node(1).proposeConfChange({ kind: "remove", id: 1 })).toMatchObject({
			reason: "invalid",
			message: "node 1 is the last voter; a cluster needs one",
		});
	});

	test("a follower refuses, naming the leader", () => {
		const c = elected(3);
		expect(c.node(2).proposeConfChange(addLearner(4))).toEqual({
			ok: false,
			reason: "notLeader",
			leader: 1,
		});
	});
});

describe("when a configuration takes effect (thesis §4.1)", () => {
	test("on the leader at once, and on a follower when the entry is appended, before commit", () => {
		const c = elected(3);
		c.join(4);
		const index = change(c, addLearner(4));
		expect(c.node(1).membership).toEqual({ voters: [1, 2, 3], learners: [4] });
		expect(c.node(1).progressOf(4)).toBeDefined();
		// Only the appends go out: nobody answers, so nothing commits.
		c.deliverWhere((m) => m.type === "app" && m.to === 2);
		expect(c.node(2).log.committed).toBeLessThan(index);
		expect(c.node(2).learners).toEqual([4]);
		expect(c.node(3).learners).toEqual([]);
	});

	test("a joining node applies the log and learns it is a learner", () => {
		const c = elected(3);
		c.join(4);
		change(c, addLearner(4));
		c.propose(1, "x");
		settle(c);
		expect(c.node(4).membership).toEqual({ voters: [1, 2, 3], learners: [4] });
		expect(c.applied.get(4)?.at(-1)?.data).toBe("x");
		expect(c.node(4).role).toBe("follower");
	});

	test("a truncated configuration entry takes its configuration with it", () => {
		// Without leases, so that node 3 can take over while the others still heard node 1.
		const c = new TestCluster(5, { preVote: false, checkQuorum: false });
		c.campaign(1);
		c.tick(1);
		c.settle();
		c.join(6);
		// Node 1 gets the change only to node 2, then loses its leadership.
		for (const id of [3, 4, 5, 6]) c.cutLink(1, id);
		const index = change(c, addLearner(6));
		c.settle();
		expect(c.node(2).learners).toEqual([6]);
		expect(c.node(2).log.committed).toBeLessThan(index);
		c.isolate(1);
		c.isolate(2);
		c.campaign(3);
		expect(c.node(3).role).toBe("leader");
		c.propose(3, "y");
		c.healAll();
		c.isolate(1);
		for (let i = 0; i < 3; i++) {
			c.tick(3);
			c.settle();
		}
		expect(c.node(2).log.term(index)).toBe(c.node(3).term); // overwritten
		expect(c.node(2).membership).toEqual({ voters: [1, 2, 3, 4, 5], learners: [] });
	});
});

describe("one change at a time, and only from a leader that committed in its term", () => {
	test("a second change is refused while the first is uncommitted", () => {
		const c = elected(3);
		c.isolate(1);
		change(c, addLearner(4));
		expect(c.node(1).proposeConfChange(addLearner(5))).toMatchObject({
			ok: false,
			reason: "pending",
		});
		c.healAll();
		settle(c);
		expect(c.node(1).proposeConfChange(addLearner(5))).toMatchObject({ ok: true });
	});

	test("a new leader accepts a change only once an entry of its term committed", () => {
		const c = new TestCluster(3);
		c.filter = (m) => m.type !== "appResp"; // the no-op cannot commit
		c.campaign(1);
		expect(c.node(1).role).toBe("leader");
		expect(c.node(1).proposeConfChange(addLearner(4))).toMatchObject({
			ok: false,
			reason: "leaderNotReady",
		});
		c.filter = () => true;
		settle(c);
		expect(c.node(1).proposeConfChange(addLearner(4))).toMatchObject({ ok: true });
	});
});

describe("quorums follow the voters in force", () => {
	test("an added voter raises the commit quorum at once", () => {
		const c = elected(3);
		c.join(4);
		c.isolate(4); // the new voter hears nothing
		change(c, addVoter(4));
		settle(c);
		const index = c.node(1).log.committed; // 1, 2, 3 of four voters: committed
		expect(index).toBe(c.node(1).log.lastIndex());
		c.isolate(3);
		c.propose(1, "x");
		settle(c);
		expect(c.node(1).log.committed).toBe(index); // 1 and 2 are two of four
	});

	test("CheckQuorum and ReadIndex count the voters in force", () => {
		const c = elected(3);
		c.join(4);
		c.isolate(4);
		change(c, addVoter(4));
		settle(c);
		c.isolate(3);
		c.node(1).readIndex("r");
		c.collect(1);
		for (let i = 0; i < 25 && c.node(1).role === "leader"; i++) {
			c.tick(1);
			c.settle();
		}
		expect(c.readStates.get(1)).toEqual([]);
		expect(c.node(1).role).toBe("follower");
	});

	test("a removed voter's answers no longer count, and removal lowers the quorum", () => {
		const c = elected(3);
		change(c, { kind: "remove", id: 3 });
		settle(c);
		expect(c.node(1).peers).toEqual([1, 2]);
		expect(c.node(1).progressOf(3)).toBeUndefined();
		c.isolate(2);
		c.propose(1, "x");
		settle(c);
		expect(c.node(1).log.committed).toBeLessThan(c.node(1).log.lastIndex()); // 1 of {1, 2}
	});
});

describe("removal", () => {
	test("a leader being removed does not count itself, and steps down once it committed", () => {
		// Node 3 times out later than node 2, so their election after node 1 left is not split.
		const c = elected(3, { randomFor: (id) => (id === 3 ? 0.5 : 0) });
		c.isolate(3);
		const index = change(c, { kind: "remove", id: 1 });
		settle(c);
		// {2, 3} must both hold it; the leader's own copy does not count.
		expect(c.node(1).log.committed).toBeLessThan(index);
		expect(c.node(1).role).toBe("leader");
		c.healAll();
		settle(c);
		expect(c.node(1).log.committed).toBeGreaterThanOrEqual(index);
		expect(c.node(1).role).toBe("follower");
		expect(c.node(1).lead).toBe(NONE);
		// The others elect a leader among themselves; node 1 never campaigns again.
		for (let i = 0; i < 100 && c.leaders().length === 0; i++) {
			for (const id of [3, 1, 2]) c.tick(id);
			c.settle();
		}
		expect(c.leaders()).toEqual([2]);
		expect(c.node(2).peers).toEqual([2, 3]);
		c.tick(1, 200);
		c.settle();
		expect(c.node(1).role).toBe("follower");
		expect(c.leaders()).toEqual([2]);
	});

	test("a removed follower stops campaigning", () => {
		const c = elected(3);
		change(c, { kind: "remove", id: 3 });
		settle(c);
		expect(c.node(3).peers).toEqual([1, 2]);
		const term = c.node(3).term;
		c.isolate(3);
		c.tick(3, 200);
		expect(c.node(3).term).toBe(term);
		expect(c.node(3).role).toBe("follower");
	});
});

describe("promotion", () => {
	test("a learner is promoted only once its log reaches the leader's commit index", () => {
		const c = elected(3);
		c.join(4);
		c.isolate(4);
		change(c, addLearner(4));
		for (let i = 0; i < 5; i++) c.propose(1, `x${i}`);
		settle(c);
		expect(c.node(1).proposeConfChange({ kind: "promote", id: 4 })).toMatchObject({
			ok: false,
			reason: "notCaughtUp",
		});
		c.healAll();
		settle(c);
		expect(c.node(1).progressOf(4)?.match).toBe(c.node(1).log.lastIndex());
		change(c, { kind: "promote", id: 4 });
		settle(c);
		expect(c.node(4).membership).toEqual({ voters: [1, 2, 3, 4], learners: [] });
		// Now a voter: it can take over.
		expect(c.node(1).transferLeadership(4)).toEqual({ ok: true });
		c.collect(1);
		c.settle();
		expect(c.node(4).role).toBe("leader");
	});

	test("the configuration at an index is the latest at or below it (snapshot metadata)", () => {
		const c = elected(3);
		c.join(4);
		const added = change(c, addLearner(4));
		settle(c);
		const promoted = change(c, { kind: "promote", id: 4 });
		settle(c);
		const node = c.node(2);
		expect(node.membershipAt(added - 1)).toEqual({ voters: [1, 2, 3], learners: [] });
		expect(node.membershipAt(added)).toEqual({ voters: [1, 2, 3], learners: [4] });
		expect(node.membershipAt(promoted - 1)).toEqual({ voters: [1, 2, 3], learners: [4] });
		expect(node.membershipAt(promoted + 5)).toEqual({ voters: [1, 2, 3, 4], learners: [] });
	});

	test("a restarted node rebuilds its configuration from its log", () => {
		const c = elected(3);
		c.join(4);
		change(c, addLearner(4));
		settle(c);
		change(c, { kind: "promote", id: 4 });
		settle(c);
		c.crash(2);
		c.restart(2);
		expect(c.node(2).membership).toEqual({ voters: [1, 2, 3, 4], learners: [] });
	});
});
