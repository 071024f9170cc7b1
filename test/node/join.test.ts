/**
 * A node joins a running cluster of real processes. The cluster file marks node 4 with
 * `join: true`: the three founding members elect a leader without it, node 4 starts and
 * takes no part, then an operator adds it as a learner and promotes it with neuroctl.
 * Waits poll a condition with a deadline.
 */
import { afterAll, expect, test } from "bun:test";
import { MemberCluster, pollUntil } from "./member-cluster.ts";
import { runCtl } from "./node-process.ts";

const cluster = new MemberCluster(
	[1, 2, 3, 4],
	{ tickMs: 30, electionTicks: 10, heartbeatTicks: 2 },
	[4],
);

afterAll(() => cluster.stopAll());

function ctl(...args: string[]) {
	const endpoints = [1, 2, 3].map((id) => cluster.api.get(id) as string);
	return runCtl(args, { endpoints, timeoutMs: 10_000 });
}

test("a join: true node waits outside the cluster until added, then catches up and votes", async () => {
	for (const id of [1, 2, 3, 4]) await cluster.start(id);
	const leader = await pollUntil("a founding leader", () => cluster.leader(), 15_000);
	expect([1, 2, 3]).toContain(leader.id);
	expect((await ctl("put", "before", "join")).code).toBe(0);

	// Not a member yet: the founding configuration does not name it.
	const listed = await ctl("--json", "members");
	expect(listed.code).toBe(0);
	expect(listed.stdout).not.toContain('"id":4');
	expect((await cluster.status(4))?.role).not.toBe("leader");

	const add = await ctl(
		"members",
		"add",
		"4",
		cluster.api.get(4) as string,
		cluster.raft.get(4) as string,
		"--learner",
	);
	expect(add.code).toBe(0);
	await pollUntil(
		"node 4 applying the founding members' writes",
		async () => {
			const [theirs, mine] = [await cluster.status(leader.id), await cluster.status(4)];
			return theirs && mine && mine.applied >= theirs.commit ? true : undefined;
		},
		15_000,
	);
	// The leader learns of node 4's progress from its acknowledgements, which may trail what
	// node 4 reports: a promote it refuses as "behind commit" is asked again.
	const promote = await pollUntil(
		"the leader to accept node 4's promotion",
		async () => {
			const answer = await ctl("members", "promote", "4");
			return answer.stderr.includes("behind commit") ? undefined : answer;
		},
		15_000,
		50,
	);
	expect(promote).toMatchObject({ code: 0, stderr: "" });
	const after = await ctl("--json", "members");
	const members = (JSON.parse(after.stdout) as { members: { id: number; role: string }[] }).members;
	expect(members.map((m) => [m.id, m.role])).toEqual([
		[1, "voter"],
		[2, "voter"],
		[3, "voter"],
		[4, "voter"],
	]);
	// It serves linearizable reads of what was written before it joined.
	const read = await runCtl(["get", "before"], { endpoints: [cluster.api.get(4) as string] });
	expect(read).toMatchObject({ code: 0, stdout: "join\n" });
}, 60_000);
