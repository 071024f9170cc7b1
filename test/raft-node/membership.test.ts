/**
 * Membership changes and leadership transfer on real Raft members (one process, loopback,
 * a write-ahead log each), driven through neuroctl and the HTTP API: a fourth member joins
 * as a learner, is promoted, a founding member is removed, and leadership moves to the new
 * member. Waits poll a condition with a deadline.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKvApp } from "../../cluster/kv/http-app.ts";
import { RaftNode } from "../../cluster/raft-node/raft-node.ts";
import { runCtl } from "../node/node-process.ts";
import { until } from "./in-process-members.ts";

const root = mkdtempSync(join(tmpdir(), "neuro-membership-"));
const members = new Map<number, RaftNode>();
const servers: ReturnType<typeof Bun.serve>[] = [];
/** API addresses of the founding members only: node 4's comes from the log. */
const founding = new Map<number, string>();
const api = new Map<number, string>();

async function startMember(id: number): Promise<RaftNode> {
	const member = await RaftNode.start({
		id,
		voters: [1, 2, 3],
		listen: { host: "127.0.0.1", port: 0 },
		dataDir: join(root, `node-${id}`),
		tickMs: 10,
		electionTicks: 10,
		heartbeatTicks: 2,
		log: () => {},
	});
	members.set(id, member);
	const server = Bun.serve({
		hostname: "127.0.0.1",
		port: 0,
		fetch: (request) => createKvApp(member, founding).fetch(request),
	});
	servers.push(server);
	api.set(id, `http://127.0.0.1:${server.port}`);
	return member;
}

function raftAddresses(): Map<number, { host: string; port: number }> {
	return new Map([...members].map(([id, m]) => [id, { host: "127.0.0.1", port: m.port }]));
}

const leader = () => [...members.values()].find((m) => m.status().role === "leader");

function ctl(...args: string[]) {
	return runCtl(args, { endpoints: [...api.values()], timeoutMs: 8000 });
}

beforeAll(async () => {
	for (const id of [1, 2, 3]) await startMember(id);
	for (const [id, url] of api) founding.set(id, url);
	for (const member of members.values()) member.connect(raftAddresses());
	await until("a leader", leader);
});

afterAll(async () => {
	for (const server of servers) server.stop(true);
	for (const member of members.values()) await member.close();
	rmSync(root, { recursive: true, force: true });
});

describe("membership through neuroctl on real members", () => {
	test("add a learner, promote it, remove a founding member, hand it leadership", async () => {
		expect((await ctl("put", "config/a", "1")).code).toBe(0);
		// Node 4 starts outside the configuration, knowing where the others listen.
		const four = await startMember(4);
		four.connect(raftAddresses());
		const add = await ctl(
			"members",
			"add",
			"4",
			api.get(4) as string,
			`127.0.0.1:${four.port}`,
			"--learner",
		);
		expect(add.stderr).toBe("");
		expect(add.code).toBe(0);
		expect(add.stdout).toContain(`4\tlearner\t${api.get(4)}\t127.0.0.1:${four.port}`);
		// It catches up through the log, then may be promoted.
		await until("node 4 to apply the log", () => {
			const lead = leader();
			return lead && four.status().applied >= lead.status().commit ? true : undefined;
		});
		expect(four.status().role).toBe("learner");
		// The leader learns of node 4's progress from its acknowledgements, which may trail
		// what node 4 applied: a promote refused as "behind commit" is asked again.
		const promote = await until("the leader to accept node 4's promotion", async () => {
			const answer = await ctl("members", "promote", "4");
			return answer.stderr.includes("behind commit") ? undefined : answer;
		});
		expect(promote.stderr).toBe("");
		expect(promote.code).toBe(0);
		expect(promote.stdout).toContain("4\tvoter");

		// Remove a founding member that does not lead.
		const lead = leader() as RaftNode;
		const gone = [1, 2, 3].find((id) => id !== lead.id) as number;
		const remove = await ctl("--json", "members", "remove", String(gone));
		expect(remove.code).toBe(0);
		const listed = JSON.parse(remove.stdout).members.map((m: { id: number }) => m.id);
		expect(listed.sort()).toEqual([1, 2, 3, 4].filter((id) => id !== gone));

		const transfer = await ctl("leader", "transfer", "4");
		expect(transfer.stderr).toBe("");
		expect(transfer.stdout).toMatch(/^leader is now 4 \(term \d+\)\n$/);
		await until("node 4 to lead", () => (four.status().role === "leader" ? true : undefined));

		// The new configuration serves writes; the removed member is not in it.
		expect((await ctl("put", "config/b", "2")).code).toBe(0);
		expect((await ctl("get", "config/b")).stdout).toBe("2\n");
		const list = await ctl("--endpoints", api.get(4) as string, "members");
		expect(list.stdout).not.toContain(`${gone}\tvoter`);
		expect(list.stdout).toContain("4\tvoter");
	}, 60_000);

	test("refusals: unknown node, duplicate add, promoting a voter, unknown transfer target; exit 5 with the reason", async () => {
		const unknown = await ctl("members", "remove", "9");
		expect(unknown.code).toBe(5);
		expect(unknown.stderr).toContain("node 9 is not a member");
		const lead = leader() as RaftNode;
		const duplicate = await ctl(
			"members",
			"add",
			String(lead.id),
			"http://127.0.0.1:1",
			"127.0.0.1:1",
		);
		expect(duplicate.code).toBe(5);
		expect(duplicate.stderr).toContain("is already a voter");
		const promoteVoter = await ctl("members", "promote", String(lead.id));
		expect(promoteVoter.code).toBe(5);
		const transferUnknown = await ctl("leader", "transfer", "9");
		expect(transferUnknown.code).toBe(5);
		expect(transferUnknown.stderr).toContain("node 9 is not a member");
	}, 30_000);

	test("malformed bodies and ids are 400s; a follower answers NotLeader", async () => {
		const lead = leader() as RaftNode;
		const base = api.get(lead.id) as string;
		const post = (path: string, body: string) => fetch(`${base}${path}`, { method: "POST", body });
		const notJson = await post("/v1/members", "{");
		expect(notJson.status).toBe(400);
		const noRaft = await post("/v1/members", JSON.stringify({ id: 5, address: "http://h:1" }));
		expect(noRaft.status).toBe(400);
		const badRaft = await post(
			"/v1/members",
			JSON.stringify({ id: 5, address: "http://h:1", raftAddress: "h:99999" }),
		);
		expect(badRaft.status).toBe(400);
		expect((await post("/v1/members/0/promote", "")).status).toBe(400);
		expect((await fetch(`${base}/v1/members/x`, { method: "DELETE" })).status).toBe(400);
		expect((await post("/v1/leader/transfer", JSON.stringify({ to: "2" }))).status).toBe(400);
		expect(lead.members().length).toBe(3);

		const follower = [...members.values()].find(
			(m) => m !== lead && m.status().leader === lead.id,
		) as RaftNode;
		const redirected = await fetch(`${api.get(follower.id)}/v1/members/${follower.id}/promote`, {
			method: "POST",
		});
		expect(redirected.status).toBe(503);
		expect(await redirected.json()).toEqual({ error: "not-leader", leader: api.get(lead.id) });
	}, 30_000);
});
