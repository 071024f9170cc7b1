/**
 * neuroctl against three real Raft members (in one process, over loopback, each with its
 * own write-ahead log) serving the control plane's HTTP API: commands sent to a follower
 * are redirected to the leader and go through the log.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKvApp } from "../../cluster/kv/http-app.ts";
import { RaftNode } from "../../cluster/raft-node/raft-node.ts";
import { runCtl } from "../node/node-process.ts";

const root = mkdtempSync(join(tmpdir(), "neuro-kv-api-"));
const members: RaftNode[] = [];
const servers: ReturnType<typeof Bun.serve>[] = [];
const api = new Map<number, string>();

beforeAll(async () => {
	for (const id of [1, 2, 3]) {
		members.push(
			await RaftNode.start({
				id,
				voters: [1, 2, 3],
				listen: { host: "127.0.0.1", port: 0 },
				dataDir: join(root, `node-${id}`),
				tickMs: 10,
				electionTicks: 10,
				heartbeatTicks: 2,
				log: () => {},
			}),
		);
	}
	const peers = new Map(members.map((m) => [m.id, { host: "127.0.0.1", port: m.port }]));
	for (const member of members) member.connect(peers);
	for (const member of members) {
		const server = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			fetch: (request) => createKvApp(member, api).fetch(request),
		});
		servers.push(server);
		api.set(member.id, `http://127.0.0.1:${server.port}`);
	}
	// neuroctl waits out the election itself (NotLeader with no leader yet).
});

afterAll(async () => {
	for (const server of servers) server.stop(true);
	for (const member of members) await member.close();
	rmSync(root, { recursive: true, force: true });
});

function ctl(...args: string[]) {
	return runCtl(args, { timeoutMs: 8000 });
}

describe("neuroctl on a real Raft cluster", () => {
	test("writes and reads through any member; a failed compare-and-set says so", async () => {
		// Every member listed: whichever answers first redirects to the leader.
		const endpoints = ["--endpoints", [...api.values()].join(",")];
		const put = await ctl(...endpoints, "put", "pop/fra1/config", "v1");
		expect(put.stderr).toBe("");
		expect(put.stdout).toBe("OK revision 1\n");
		expect((await ctl(...endpoints, "get", "pop/fra1/config")).stdout).toBe("v1\n");
		const failed = await ctl(...endpoints, "cas", "pop/fra1/config", "v0", "v2");
		expect(failed.code).toBe(3);
		expect((await ctl(...endpoints, "cas", "pop/fra1/config", "v1", "v2")).code).toBe(0);
		expect((await ctl(...endpoints, "del", "pop/fra1/config")).code).toBe(0);
		expect((await ctl(...endpoints, "get", "pop/fra1/config")).code).toBe(1);
		const status = await ctl("--endpoints", api.get(1) as string, "--json", "status");
		expect(JSON.parse(status.stdout)).toMatchObject({ id: 1, applied: expect.any(Number) });
	}, 60_000);

	test("a follower's answer names the leader's API address", async () => {
		const leader = members.find((m) => m.status().role === "leader");
		const follower = members.find((m) => m !== leader && m.status().leader === leader?.id);
		expect(leader).toBeDefined();
		expect(follower).toBeDefined();
		const response = await fetch(`${api.get(follower?.id as number)}/v1/kv/anything`);
		expect(response.status).toBe(503);
		expect(await response.json()).toEqual({
			error: "not-leader",
			leader: api.get(leader?.id as number),
		});
	});

	test("bad input is a 400 with the reason, and nothing is written", async () => {
		const leaderId = members.find((m) => m.status().role === "leader")?.id as number;
		const base = api.get(leaderId) as string;
		const before = members.find((m) => m.id === leaderId)?.status().commit;
		const bad = await fetch(`${base}/v1/kv/k`, { method: "PUT", body: "not json" });
		expect(bad.status).toBe(400);
		expect(await bad.json()).toEqual({
			error: "bad-request",
			message: 'body must be JSON: {"value": "..."}',
		});
		const wrongShape = await fetch(`${base}/v1/cas/k`, {
			method: "POST",
			body: JSON.stringify({ value: "x" }),
		});
		expect(wrongShape.status).toBe(400);
		// The field at fault is named.
		expect(await wrongShape.json()).toEqual({
			error: "bad-request",
			message: expect.stringMatching(/^expected: /),
		});
		expect(members.find((m) => m.id === leaderId)?.status().commit).toBe(before);
	});
});
