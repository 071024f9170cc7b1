/**
 * The Raft benchmark's clients ride out a leader change: ours follows the leader a 503
 * NotLeader names, both retry a 503, and anything else still fails the operation.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { etcdClient, neuroClient } from "../../scripts/bench-raft/kv-client.ts";

const hits: string[] = [];
const leader = Bun.serve({
	hostname: "127.0.0.1",
	port: 0,
	fetch: (request) => {
		hits.push(`leader ${request.method} ${new URL(request.url).pathname}`);
		return Response.json({ key: "k", revision: 1 });
	},
});
let electionAnswers = 2;
const follower = Bun.serve({
	hostname: "127.0.0.1",
	port: 0,
	fetch: (request) => {
		hits.push(`follower ${request.method} ${new URL(request.url).pathname}`);
		// First no leader known (an election), then the leader's address.
		if (electionAnswers-- > 0)
			return Response.json({ error: "not-leader", leader: null }, { status: 503 });
		return Response.json(
			{ error: "not-leader", leader: `http://127.0.0.1:${leader.port}` },
			{ status: 503 },
		);
	},
});
const broken = Bun.serve({
	hostname: "127.0.0.1",
	port: 0,
	fetch: () => new Response("boom", { status: 500 }),
});
afterAll(() => {
	for (const server of [leader, follower, broken]) server.stop(true);
});

describe("raft benchmark clients", () => {
	test("ours waits out the election, then follows the named leader and stays there", async () => {
		const moves: string[] = [];
		const client = neuroClient(`http://127.0.0.1:${follower.port}`, (line) => moves.push(line));
		await client.put("k", "v");
		await client.get("k");
		expect(hits).toEqual([
			"follower PUT /v1/kv/k",
			"follower PUT /v1/kv/k",
			"follower PUT /v1/kv/k",
			"leader PUT /v1/kv/k",
			"leader GET /v1/kv/k",
		]);
		expect(moves).toEqual([`ours: the leader moved to http://127.0.0.1:${leader.port}`]);
	});

	test("an answer other than success or 503 fails the operation, for both", async () => {
		const url = `http://127.0.0.1:${broken.port}`;
		await expect(neuroClient(url).put("k", "v")).rejects.toThrow("HTTP 500 boom");
		await expect(etcdClient(url).get("k")).rejects.toThrow("etcd range: HTTP 500 boom");
	});
});
