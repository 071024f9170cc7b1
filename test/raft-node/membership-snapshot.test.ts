/**
 * Members' addresses outlive compaction. A node added through the log is named only by its
 * configuration entry; once the members snapshot past that entry, a member restarted from
 * its snapshot must still know where the added node listens (its snapshot data carries the
 * addresses), or as leader it could never replicate to it. Real members in one process,
 * loopback, a write-ahead log each; waits poll a condition with a deadline.
 */
import { afterAll, expect, test } from "bun:test";
import type { RaftNode } from "../../cluster/raft-node/raft-node.ts";
import { address, InProcessMembers, until } from "./in-process-members.ts";

const logged: string[] = [];
const cluster = new InProcessMembers("membership-snapshot", {
	snapshotEvery: 5,
	log: (line) => logged.push(line),
});
const members = cluster.nodes;
const start = (id: number) => cluster.start(id);
const leader = () => cluster.leader();

afterAll(() => cluster.closeAll());

test("a member restarted from a snapshot past a node's addition still reaches that node", async () => {
	for (const id of [1, 2, 3]) members.set(id, await start(id));
	const founding = new Map([...members].map(([id, m]) => [id, address(m)]));
	for (const m of members.values()) m.connect(founding);
	const fourth = await start(4);
	members.set(4, fourth);
	fourth.connect(founding);

	const first = await until("a leader", leader);
	const firstTerm = first.status().term;
	// A new leader takes membership changes once an entry of its term committed.
	expect((await first.propose(7, 1, { kind: "put", key: "k1", value: "1" })).kind).toBe("ok");
	const added = await first.changeMembership({
		kind: "addLearner",
		id: 4,
		raftAddress: address(fourth),
	});
	expect(added.kind).toBe("ok");
	const addedAt = first.status().commit;
	for (let seq = 2; seq <= 12; seq++) {
		const answer = await first.propose(7, seq, { kind: "put", key: `k${seq}`, value: `${seq}` });
		expect(answer.kind).toBe("ok");
	}
	// A follower that will lead next: snapshotted past the entry that added node 4.
	const nextId = first.id === 1 ? 2 : 1;
	const next = members.get(nextId) as RaftNode;
	await until("a snapshot past the addition", () =>
		next.snapshotIndex > addedAt ? true : undefined,
	);
	await next.close();
	// Restarted knowing only the founding members' addresses, as from a cluster file.
	const restarted = await start(nextId);
	members.set(nextId, restarted);
	restarted.connect(new Map([...founding].filter(([id]) => id !== nextId)));
	for (const [id, m] of members)
		if (id !== nextId) m.connect(new Map([[nextId, address(restarted)]]));

	expect(restarted.members().find((m) => m.id === 4)?.raftAddress).toEqual(address(fourth));
	const caughtUp = await until("the restarted member catching up", () =>
		restarted.status().applied >= first.status().commit ? true : undefined,
	);
	expect(caughtUp).toBe(true);
	const moved = await first.transferLeadership(nextId);
	expect(moved).toEqual({ kind: "ok", leader: nextId });
	// Leadership and membership changes are logged at INFO (elections only at DEBUG).
	expect(logged).toContain(`INFO raft ${first.id}: became leader in term ${firstTerm}`);
	expect(logged).toContain(`INFO raft ${nextId}: became leader in term ${restarted.status().term}`);
	expect(logged).toContain(`INFO raft 4: members now voters [1,2,3] learners [4]`);
	expect(logged.some((line) => line.startsWith("DEBUG"))).toBe(false);
	// As leader, it must replicate to node 4, whose address only its snapshot held.
	const answer = await restarted.propose(7, 13, { kind: "put", key: "after", value: "moved" });
	expect(answer.kind).toBe("ok");
	const reached = await until("node 4 applying the new leader's write", () => {
		const read = fourth.kv.read("after");
		return read.kind === "get" && read.value !== null ? read : undefined;
	});
	expect(reached).toMatchObject({ value: "moved" });
}, 30_000);
