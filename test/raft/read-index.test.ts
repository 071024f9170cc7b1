import { describe, expect, test } from "bun:test";
import { TestCluster } from "./harness.ts";

describe("Raft ReadIndex (thesis §6.4)", () => {
	test("a read is released only after a quorum answered a heartbeat sent after it", () => {
		const c = new TestCluster(3);
		c.campaign(1);
		c.propose(1, "x");
		c.settle();
		expect(c.node(1).readIndex("r1")).toEqual({ ok: true });
		c.collect(1);
		expect(c.readStates.get(1)).toEqual([]);
		const heartbeats = c.pending().filter((m) => m.type === "heartbeat");
		expect(heartbeats.map((m) => m.to).sort()).toEqual([2, 3]);
		// One follower's answer is enough with the leader itself: a quorum of three.
		c.deliverWhere((m) => m.type === "heartbeat" && m.to === 2);
		expect(c.readStates.get(1)).toEqual([]);
		c.deliverWhere((m) => m.type === "heartbeatResp" && m.from === 2);
		expect(c.readStates.get(1)).toEqual([{ index: 2, context: "r1" }]);
	});

	test("an answer to a heartbeat sent before the read does not confirm it", () => {
		const c = new TestCluster(3);
		c.campaign(1);
		c.settle();
		c.tick(1); // a plain heartbeat round, not yet answered
		c.node(1).readIndex("r1");
		c.collect(1);
		c.deliverWhere((m) => m.type === "heartbeat" && (m as { context: number }).context === 1);
		c.deliverWhere((m) => m.type === "heartbeatResp");
		expect(c.readStates.get(1)).toEqual([]);
		c.settle();
		expect(c.readStates.get(1)).toEqual([{ index: 1, context: "r1" }]);
	});

	test("a leader cut off from the quorum never serves the read", () => {
		const c = new TestCluster(3, { checkQuorum: false });
		c.campaign(1);
		c.isolate(1);
		c.node(1).readIndex("stale?");
		c.collect(1);
		for (let i = 0; i < 30; i++) {
			c.tick(1);
			c.settle();
		}
		expect(c.node(1).role).toBe("leader");
		expect(c.readStates.get(1)).toEqual([]);
	});

	test("a new leader defers reads until an entry of its term commits", () => {
		const c = new TestCluster(3);
		c.filter = (m) => m.type !== "appResp"; // the no-op cannot commit yet
		c.campaign(1);
		expect(c.node(1).role).toBe("leader");
		expect(c.node(1).log.committed).toBe(0);
		c.node(1).readIndex("early");
		c.collect(1);
		c.tick(1);
		c.settle();
		expect(c.readStates.get(1)).toEqual([]);
		c.filter = () => true;
		c.tick(1);
		c.settle();
		expect(c.node(1).log.committed).toBe(1);
		expect(c.readStates.get(1)).toEqual([{ index: 1, context: "early" }]);
	});

	test("followers refuse, naming the leader they know", () => {
		const c = new TestCluster(3);
		c.campaign(1);
		expect(c.node(2).readIndex("r")).toEqual({ ok: false, leader: 1 });
		expect(c.node(2).propose("w")).toEqual({ ok: false, leader: 1, reason: "notLeader" });
	});

	test("a single-node cluster serves reads at once", () => {
		const c = new TestCluster(1);
		c.campaign(1);
		expect(c.node(1).role).toBe("leader");
		c.node(1).readIndex("solo");
		c.collect(1);
		expect(c.readStates.get(1)).toEqual([{ index: 1, context: "solo" }]);
	});
});
