/**
 * Snapshots in the core (§7): compaction, a follower that needs compacted entries getting
 * the leader's snapshot in chunks, a follower that already holds the snapshot's index
 * keeping its log, restarts from a snapshot, and chunks that arrive out of order.
 */
import { describe, expect, test } from "bun:test";
import type { Message, SnapshotChunk } from "../../cluster/raft/messages.ts";
import { Raft } from "../../cluster/raft/raft.ts";
import type { Snapshot } from "../../cluster/raft/snapshot.ts";
import { entriesOfTerms, TestCluster } from "./harness.ts";

const isChunk = (m: Message): m is SnapshotChunk => m.type === "snap";

/** Three nodes; node 3 misses 30 writes that 1 and 2 then compact away. */
function clusterWithLaggard(chunkSize = 16): TestCluster {
	const c = new TestCluster(3, { snapshotChunkSize: chunkSize, maxInflight: 2 });
	c.campaign(1);
	c.crash(3);
	for (let i = 0; i < 30; i++) c.propose(1, `op${i}`);
	c.settle();
	c.tick(1);
	c.settle();
	c.compact(1);
	c.compact(2);
	return c;
}

const dataOf = (c: TestCluster, id: number) => c.applied.get(id)?.map((e) => e.data);

describe("Raft log compaction", () => {
	test("compacting keeps the term at the snapshot index and drops what is below", () => {
		const c = new TestCluster(3);
		c.campaign(1);
		for (let i = 0; i < 10; i++) c.propose(1, `op${i}`);
		c.settle();
		const log = c.node(1).log;
		expect(log.applied).toBe(11);
		const snapshot = c.compact(1, 8);
		expect(snapshot.meta).toEqual({
			index: 8,
			term: 1,
			config: { voters: [1, 2, 3], learners: [] },
		});
		expect(log.snapshotIndex()).toBe(8);
		expect(log.term(8)).toBe(1);
		expect(log.term(7)).toBeUndefined();
		expect(log.isCompacted(7)).toBe(true);
		expect(log.lastIndex()).toBe(11);
		expect(log.slice(9, 12).map((e) => e.data)).toEqual(["op7", "op8", "op9"]);
		expect(() => log.slice(8, 10)).toThrow("compacted");
		// Not past what the state machine applied, and never backwards.
		expect(() => c.node(1).compact(12, "[]")).toThrow();
		expect(() => c.node(1).compact(5, "[]")).toThrow();
	});

	test("a node restarts from its snapshot and the entries after it", () => {
		const c = new TestCluster(3);
		c.campaign(1);
		for (let i = 0; i < 10; i++) c.propose(1, `op${i}`);
		c.settle();
		c.tick(1);
		c.settle();
		c.compact(2, 6);
		const before = dataOf(c, 2);
		c.crash(2);
		c.restart(2);
		const log = c.node(2).log;
		expect(log.snapshotIndex()).toBe(6);
		expect(log.lastIndex()).toBe(11);
		expect(log.applied).toBeGreaterThanOrEqual(6);
		c.tick(1);
		c.settle();
		expect(dataOf(c, 2)).toEqual(before);
		c.propose(1, "after");
		c.settle();
		c.tick(1);
		c.settle();
		expect(dataOf(c, 2)).toEqual([...(before ?? []), "after"]);
	});
});

describe("InstallSnapshot", () => {
	test("a follower that needs compacted entries gets the snapshot in chunks, then appends", () => {
		const c = clusterWithLaggard();
		c.restart(3);
		c.tick(1);
		c.settle();
		const chunks = c.delivered.filter(isChunk);
		expect(chunks.length).toBeGreaterThan(2);
		expect(chunks.every((m) => m.data.length <= 16)).toBe(true);
		expect(c.installed.get(3)?.map((s) => s.meta.index)).toEqual([31]);
		expect(c.node(3).log.snapshotIndex()).toBe(31);
		expect(c.node(1).progressOf(3)?.state).toBe("replicate");
		c.propose(1, "after");
		c.settle();
		c.tick(1);
		c.settle();
		expect(dataOf(c, 3)).toEqual(dataOf(c, 1));
		expect(dataOf(c, 3)?.at(-1)).toBe("after");
		// Its storage is the snapshot and the entries after it: a restart needs nothing else.
		c.crash(3);
		c.restart(3);
		c.tick(1);
		c.settle();
		expect(dataOf(c, 3)).toEqual(dataOf(c, 1));
	});

	test("a lost chunk makes the next one out of order: refused, resent, then installed", () => {
		const c = clusterWithLaggard();
		c.restart(3);
		let dropped = 0;
		c.filter = (m) => !(isChunk(m) && m.offset === 16 && dropped++ === 0);
		c.tick(1);
		c.settle();
		const refusals = c.delivered.filter((m) => m.type === "snapResp" && m.reject);
		expect(refusals.length).toBeGreaterThan(0);
		expect(refusals[0]).toMatchObject({ from: 3, index: 31, offset: 16 });
		// Refused chunks may leave the transfer stalled until a heartbeat answer shows it.
		for (let i = 0; i < 5 && c.installed.get(3)?.length === 0; i++) {
			c.tick(1);
			c.settle();
		}
		expect(c.installed.get(3)?.map((s) => s.meta.index)).toEqual([31]);
		expect(dataOf(c, 3)?.slice(0, 31)).toEqual(dataOf(c, 1)?.slice(0, 31));
	});

	test("a transfer whose chunks all vanish resumes once heartbeats show it stuck", () => {
		const c = clusterWithLaggard();
		c.restart(3);
		c.filter = (m) => !isChunk(m);
		c.tick(1);
		c.settle();
		expect(c.node(1).progressOf(3)?.state).toBe("snapshot");
		c.filter = () => true;
		for (let i = 0; i < 5 && c.installed.get(3)?.length === 0; i++) {
			c.tick(1);
			c.settle();
		}
		expect(c.installed.get(3)?.length).toBe(1);
	});

	test("no appends go to a follower while its snapshot is being sent", () => {
		const c = clusterWithLaggard();
		c.restart(3);
		c.filter = (m) => !isChunk(m);
		c.tick(1);
		c.settle();
		c.propose(1, "during");
		expect(c.pending().some((m) => m.type === "app" && m.to === 3)).toBe(false);
	});

	test("a chunk answer from a node outside the configuration is ignored (it was removed)", () => {
		const c = clusterWithLaggard();
		const leader = c.node(1);
		const term = leader.term;
		// Found by simulator seed 791: a removed node's late answer reached the leader.
		leader.step({ type: "snapResp", from: 9, to: 1, term, index: 4, offset: 8, reject: false });
		expect(leader.role).toBe("leader");
		expect(c.pending().filter((m) => m.to === 9)).toEqual([]);
	});

	test("the leader compacting again mid-transfer restarts it with the newer snapshot", () => {
		const c = clusterWithLaggard();
		c.restart(3);
		c.filter = (m) => !(isChunk(m) && m.offset > 0);
		c.tick(1);
		c.settle();
		for (let i = 0; i < 5; i++) c.propose(1, `more${i}`);
		c.settle();
		c.tick(1);
		c.settle();
		c.compact(1);
		c.filter = () => true;
		for (let i = 0; i < 5 && c.installed.get(3)?.length === 0; i++) {
			c.tick(1);
			c.settle();
		}
		expect(c.installed.get(3)?.map((s) => s.meta.index)).toEqual([c.node(1).log.snapshotIndex()]);
		expect(c.node(1).log.snapshotIndex()).toBeGreaterThan(31);
	});
});

describe("a follower given a snapshot directly", () => {
	const follower = (terms: readonly number[], commit: number) =>
		new Raft({
			id: 2,
			peers: [1, 2, 3],
			electionTicks: 10,
			heartbeatTicks: 1,
			random: () => 0,
			preVote: true,
			checkQuorum: true,
			maxEntriesPerAppend: 64,
			maxInflight: 8,
			storage: { hardState: { term: 2, vote: 0, commit }, entries: entriesOfTerms(terms) },
		});
	const chunk = (snapshot: Snapshot, offset: number, size: number): SnapshotChunk => {
		const data = snapshot.data.slice(offset, offset + size);
		return {
			type: "snap",
			from: 1,
			to: 2,
			term: 2,
			meta: snapshot.meta,
			total: snapshot.data.length,
			offset,
			data,
			done: offset + data.length === snapshot.data.length,
		};
	};
	const config = { voters: [1, 2, 3], learners: [4] };

	test("whose log holds the snapshot's index and term keeps the entries after it", () => {
		const r = follower([1, 1, 2, 2, 2], 2);
		r.step(chunk({ meta: { index: 4, term: 2, config }, data: "state at 4" }, 0, 100));
		const ready = r.ready();
		expect(ready.snapshot).toBeUndefined();
		expect(r.log.committed).toBe(4);
		expect(r.log.lastIndex()).toBe(5);
		expect(ready.committedEntries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
		expect(ready.messages).toEqual([
			{ type: "appResp", from: 2, to: 1, term: 2, index: 4, reject: false, hint: undefined },
		]);
	});

	test("whose log disagrees installs it: the log is replaced, the membership taken from it", () => {
		const r = follower([1, 1, 1, 1, 1], 2);
		const snapshot = { meta: { index: 4, term: 2, config }, data: "state at four" };
		r.step(chunk(snapshot, 0, 5));
		expect(r.ready().messages).toEqual([
			{ type: "snapResp", from: 2, to: 1, term: 2, index: 4, offset: 5, reject: false },
		]);
		r.step(chunk(snapshot, 5, 5));
		r.ready();
		r.step(chunk(snapshot, 10, 5));
		const ready = r.ready();
		expect(ready.snapshot).toEqual(snapshot);
		expect(ready.committedEntries).toEqual([]);
		expect(ready.hardState?.commit).toBe(4);
		expect(ready.messages).toEqual([
			{ type: "appResp", from: 2, to: 1, term: 2, index: 4, reject: false, hint: undefined },
		]);
		expect(r.log.lastIndex()).toBe(4);
		expect(r.log.term(4)).toBe(2);
		expect(r.learners).toEqual([4]);
		r.advance(ready);
		expect(r.log.applied).toBe(4);
		// Entries after it follow as usual.
		r.step({
			type: "app",
			from: 1,
			to: 2,
			term: 2,
			prevIndex: 4,
			prevTerm: 2,
			entries: [{ index: 5, term: 2, data: "x" }],
			commit: 5,
		});
		const next = r.ready();
		expect(next.entries.map((e) => e.index)).toEqual([5]);
		expect(next.committedEntries.map((e) => e.index)).toEqual([5]);
	});

	test("a chunk with the wrong offset is refused with the offset to resend from", () => {
		const r = follower([1, 1], 1);
		const snapshot = { meta: { index: 4, term: 2, config }, data: "0123456789" };
		r.step(chunk(snapshot, 0, 4));
		r.ready();
		r.step(chunk(snapshot, 8, 2));
		expect(r.ready().messages).toEqual([
			{ type: "snapResp", from: 2, to: 1, term: 2, index: 4, offset: 4, reject: true },
		]);
		// A chunk that claims to end the snapshot but does not is refused and drops the rest.
		r.step({ ...chunk(snapshot, 4, 2), done: true });
		expect(r.ready().messages).toEqual([
			{ type: "snapResp", from: 2, to: 1, term: 2, index: 4, offset: 0, reject: true },
		]);
		expect(r.log.lastIndex()).toBe(2);
	});
});
