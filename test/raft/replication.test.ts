import { describe, expect, test } from "bun:test";
import type { Append, AppendResponse, Message, NodeId } from "../../cluster/raft/messages.ts";
import { entriesOfTerms, type Stored, TestCluster } from "./harness.ts";

const stored = (term: number, commit: number, terms: readonly number[]): Stored => ({
	hardState: { term, vote: 0, commit },
	entries: entriesOfTerms(terms),
});

const isAppend = (m: Message): m is Append => m.type === "app";
const rejects = (c: TestCluster, to: NodeId) =>
	c.delivered.filter((m): m is AppendResponse => m.type === "appResp" && m.reject && m.to === to);

describe("Raft log replication", () => {
	test("proposals reach every node's state machine in order", () => {
		const c = new TestCluster(5);
		c.campaign(1);
		for (let i = 0; i < 20; i++) c.propose(1, `op${i}`);
		c.settle();
		c.tick(1); // the heartbeat carries the last commit index
		c.settle();
		for (const id of c.ids) {
			const data = c.applied.get(id)?.map((e) => e.data);
			expect(data).toEqual(["", ...Array.from({ length: 20 }, (_, i) => `op${i}`)]);
		}
	});

	test("appends carry at most maxEntriesPerAppend entries, at most maxInflight unanswered", () => {
		const c = new TestCluster(3, { maxEntriesPerAppend: 3, maxInflight: 2 });
		c.campaign(1);
		c.settle();
		for (let i = 0; i < 20; i++) c.propose(1, `op${i}`);
		// The first two proposals went out at once, one append each; then the window is full.
		const toTwo = c.pending().filter((m) => isAppend(m) && m.to === 2) as Append[];
		expect(toTwo.map((m) => [m.prevIndex, m.entries.length])).toEqual([
			[1, 1],
			[2, 1],
		]);
		expect(c.node(1).progressOf(2)?.inflight).toEqual([2, 3]);
		// The answers open the window: the waiting entries leave in full batches.
		c.deliverWhere((m) => m.to === 2 && isAppend(m));
		c.deliverWhere((m) => m.from === 2 && m.type === "appResp");
		const next = c.pending().filter((m) => isAppend(m) && m.to === 2) as Append[];
		expect(next.map((m) => [m.prevIndex, m.entries.length])).toEqual([
			[3, 3],
			[6, 3],
		]);
		expect(c.node(1).progressOf(2)?.inflight).toEqual([6, 9]);
		c.settle();
		expect(c.node(1).log.committed).toBe(21);
	});

	test("appends carry at most maxAppendDataChars of data, a larger entry alone", () => {
		// A follower that was away: what it lacks is far more than one frame may carry.
		const c = new TestCluster(3, { maxAppendDataChars: 100, maxInflight: 64 });
		c.campaign(1);
		c.settle();
		c.isolate(3);
		for (let i = 0; i < 10; i++) c.propose(1, `${i}`.padEnd(40, "x"));
		c.propose(1, "big".padEnd(250, "x"));
		c.propose(1, "after");
		c.settle();
		c.healAll();
		c.tick(1);
		c.settle();
		const toThree = c.delivered.filter((m): m is Append => isAppend(m) && m.to === 3);
		const sizes = toThree.map((m) => m.entries.reduce((n, e) => n + e.data.length, 0));
		for (const [i, m] of toThree.entries()) {
			if (m.entries.length > 1) expect(sizes[i]).toBeLessThanOrEqual(100);
		}
		expect(toThree.some((m) => m.entries.length === 1 && sizes[toThree.indexOf(m)] === 250)).toBe(
			true,
		);
		expect(c.node(3).log.lastIndex()).toBe(13);
		expect(c.applied.get(3)?.at(-1)?.data).toBe("after");
	});

	test("a lost append is resent once a heartbeat answer shows the window stuck", () => {
		const c = new TestCluster(3, { maxInflight: 1 });
		c.campaign(1);
		c.propose(1, "lost");
		c.filter = (m) => !(isAppend(m) && m.entries.some((e) => e.data === "lost"));
		c.settle();
		expect(c.node(1).log.committed).toBe(1);
		c.filter = () => true;
		c.tick(1);
		c.settle();
		expect(c.node(1).log.committed).toBe(2);
		expect(c.node(2).log.lastIndex()).toBe(2);
	});

	test("an append slower than a heartbeat is not resent; one a later heartbeat outran is", () => {
		const c = new TestCluster(3, { maxInflight: 1 });
		c.campaign(1);
		c.tick(1);
		c.settle();
		const slowAppends = () =>
			c
				.pending()
				.filter((m) => isAppend(m) && m.to === 2 && m.entries.some((e) => e.data === "slow"));
		c.tick(1); // heartbeat round sent before the append
		c.propose(1, "slow");
		expect(slowAppends()).toHaveLength(1);
		const heartbeatTraffic = (m: Message) =>
			(m.type === "heartbeat" && m.to === 2) || (m.type === "heartbeatResp" && m.from === 2);
		c.deliverWhere(heartbeatTraffic);
		c.deliverWhere(heartbeatTraffic);
		expect(slowAppends()).toHaveLength(1); // that answer says nothing about the append
		c.tick(1); // a heartbeat sent after the append comes back first: resend
		c.deliverWhere(heartbeatTraffic);
		c.deliverWhere(heartbeatTraffic);
		expect(slowAppends()).toHaveLength(2);
		c.settle();
		expect(c.node(2).log.lastIndex()).toBe(2);
	});

	test("fast backtracking: a conflicting term is skipped in one round trip", () => {
		// Leader 1: terms 1 1 1 4 4 4 4 4 4 4; follower 2 holds a long run of term 2.
		const leaderLog = [1, 1, 1, 4, 4, 4, 4, 4, 4, 4];
		const followerLog = [1, 1, 1, ...Array(17).fill(2)];
		const c = new TestCluster(
			3,
			{ preVote: false },
			new Map([
				[1, stored(4, 3, leaderLog)],
				[2, stored(4, 3, followerLog)],
				[3, stored(4, 3, leaderLog)],
			]),
		);
		c.campaign(1);
		c.settle();
		expect(c.node(1).role).toBe("leader");
		expect(rejects(c, 1).filter((m) => m.from === 2)).toHaveLength(1);
		expect(rejects(c, 1)[0]?.hint).toEqual({ kind: "conflict", term: 2, firstIndex: 4 });
		expect(c.storage.get(2)?.entries.map((e) => e.term)).toEqual([...leaderLog, 5]);
	});

	test("fast backtracking: the leader resumes after its own last entry of the follower's term", () => {
		const leaderLog = [1, 1, 2, 2, 3, 3, 3];
		const followerLog = [1, 1, 2, 2, 2, 2, 2, 2, 2, 2];
		const c = new TestCluster(
			3,
			{ preVote: false },
			new Map([
				[1, stored(3, 2, leaderLog)],
				[2, stored(3, 2, followerLog)],
				[3, stored(3, 2, leaderLog)],
			]),
		);
		c.campaign(1);
		c.settle();
		const fromTwo = rejects(c, 1).filter((m) => m.from === 2);
		expect(fromTwo).toHaveLength(1);
		const resent = c.delivered.filter(
			(m): m is Append => isAppend(m) && m.to === 2 && m.entries.length > 0,
		);
		expect(resent.map((m) => m.prevIndex)).toEqual([7, 4]); // then the leader's last index of term 2
		expect(c.storage.get(2)?.entries.map((e) => e.term)).toEqual([...leaderLog, 4]);
	});

	test("fast backtracking: a short follower log is hinted by its last index", () => {
		const c = new TestCluster(
			3,
			{ preVote: false },
			new Map([
				[1, stored(2, 1, [1, 1, 2, 2, 2, 2, 2, 2])],
				[2, stored(2, 1, [1, 1])],
				[3, stored(2, 1, [1, 1, 2, 2, 2, 2, 2, 2])],
			]),
		);
		c.campaign(1);
		c.settle();
		const fromTwo = rejects(c, 1).filter((m) => m.from === 2);
		expect(fromTwo.map((m) => m.hint)).toEqual([{ kind: "short", lastIndex: 2 }]);
		expect(c.storage.get(2)?.entries).toHaveLength(9);
	});

	test("§5.4.2 / Figure 8: an old-term entry on a majority is not committed by counting", () => {
		// (a)-(b): index 2 was written in term 2 on S1 and S2; S5 wrote its own index 2 in
		// term 3. (c): S1 is leader again in term 4 and replicates index 2 to S3.
		const five = new Map([
			[1, stored(3, 1, [1, 2])],
			[2, stored(3, 1, [1, 2])],
			[3, stored(3, 1, [1])],
			[4, stored(3, 1, [1])],
			[5, stored(3, 1, [1, 3])],
		]);
		const c = new TestCluster(5, { preVote: false, maxEntriesPerAppend: 1 }, five);
		c.isolate(4);
		c.isolate(5);
		// Nothing of term 4 gets stored: S1's no-op at index 3 reaches only S3, in the first
		// probe, which S3 (log too short) rejects.
		c.filter = (m) =>
			!(isAppend(m) && m.entries.some((e) => e.index === 3) && !(m.to === 3 && m.prevIndex === 2));
		c.campaign(1);
		expect(c.node(1).role).toBe("leader");
		expect(c.node(1).term).toBe(4);
		const onIndex2 = c.ids.filter((id) => c.node(id).log.term(2) === 2);
		expect(onIndex2).toEqual([1, 2, 3]); // a majority of five
		expect(c.node(1).log.committed).toBe(1); // ...and still not committed
		// (d): S1 crashes; S5 can win (its last term 3 beats 2) and overwrite index 2.
		c.crash(1);
		c.healAll();
		c.filter = () => true;
		c.isolate(1);
		for (let i = 0; i < 5 && c.node(5).role !== "leader"; i++) c.campaign(5);
		expect(c.node(5).role).toBe("leader");
		c.tick(5);
		c.settle();
		for (const id of [2, 3, 4, 5]) {
			expect(c.node(id).log.term(2)).toBe(3);
			expect(c.applied.get(id)?.map((e) => e.term)).toEqual([1, 3, c.node(5).term]);
		}
	});

	test("§5.4.2: once an entry of the leader's term is on a majority, earlier ones commit with it", () => {
		const c = new TestCluster(
			5,
			{ preVote: false },
			new Map([
				[1, stored(3, 1, [1, 2])],
				[2, stored(3, 1, [1, 2])],
				[3, stored(3, 1, [1])],
				[4, stored(3, 1, [1])],
				[5, stored(3, 1, [1, 3])],
			]),
		);
		c.isolate(5);
		c.campaign(1);
		expect(c.node(1).log.committed).toBe(3);
		expect(c.applied.get(1)?.map((e) => e.term)).toEqual([1, 2, 4]);
	});
});
