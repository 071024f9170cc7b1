/**
 * Purges and POP config through the Raft log, end to end: three node.ts processes, each an
 * edge (with its own demo origin) plus member N of one cluster file. Each edge caches the
 * same pages (seen as a hit); a purge through neuroctl at a follower, or POST /v1/purge at
 * any member, is committed and applied by every member, whose edge then misses. A POP
 * config set for the nodes' POP moves every edge to the origin it names (the nodes started
 * without --origin), and deleting it moves them back.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MemberCluster, pollUntil } from "./member-cluster.ts";
import { runCtl } from "./node-process.ts";

const cluster = new MemberCluster([1, 2, 3], { tickMs: 20, electionTicks: 10, heartbeatTicks: 2 });
const nodes = cluster.processes;
const api = cluster.api;

function ctl(...args: string[]) {
	return runCtl(args, { endpoints: [...api.values()], timeoutMs: 10_000 });
}

/** Every edge asked for `path` under one Host (so one purge URL names it on all of them). */
async function cacheStatuses(path: string): Promise<string[]> {
	return Promise.all(
		[...nodes.values()].map(async (node) => {
			const response = await fetch(`${node.url}${path}`, { headers: { host: "cdn.test" } });
			await response.arrayBuffer();
			return response.headers.get("cache-status") ?? "";
		}),
	);
}

/**
 * Polls until every edge has missed `path` once. Each edge is asked until it misses, then
 * left alone: asking again would refill it, and an edge whose purge applied first would
 * be a hit again by the time the last one's applied.
 */
function missedEverywhere(path: string): Promise<string[]> {
	const missed = new Map<number, string>();
	return pollUntil(`${path} missing on every edge`, async () => {
		await Promise.all(
			[...nodes].map(async ([id, node]) => {
				if (missed.has(id)) return;
				const response = await fetch(`${node.url}${path}`, { headers: { host: "cdn.test" } });
				await response.arrayBuffer();
				const status = response.headers.get("cache-status") ?? "";
				if (isMiss(status)) missed.set(id, status);
			}),
		);
		return missed.size === nodes.size ? [...missed.values()] : undefined;
	});
}

/** Fetches until every edge answers `path` from its cache (a fill is stored in the background). */
function cachedEverywhere(path: string): Promise<string[]> {
	return pollUntil(`${path} cached on every edge`, async () => {
		const statuses = await cacheStatuses(path);
		return statuses.every((s) => /;hit/.test(s)) ? statuses : undefined;
	});
}

const isMiss = (status: string) => /fwd=(uri-miss|miss|stale)/.test(status) && !/;hit/.test(status);

beforeAll(async () => {
	await Promise.all([1, 2, 3].map((id) => cluster.start(id)));
}, 60_000);

afterAll(() => cluster.stopAll());

async function follower(): Promise<string> {
	const status = JSON.parse((await ctl("--json", "status")).stdout) as { leader: number };
	const id = [1, 2, 3].find((n) => n !== status.leader) as number;
	return api.get(id) as string;
}

describe("replicated purges reach every node's edge", () => {
	test("neuroctl purge URL at a follower: every edge misses after", async () => {
		await cachedEverywhere("/pages/1");
		const run = await runCtl(["purge", "http://cdn.test/pages/1"], {
			endpoints: [await follower()],
			timeoutMs: 10_000,
		});
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/^purged http:\/\/cdn\.test\/pages\/1 at index \d+/);
		// Answered once applied on the leader; followers apply as the commit reaches them.
		const after = await missedEverywhere("/pages/1");
		expect(after).toHaveLength(3);
	}, 30_000);

	test("a tag purge through POST /v1/purge on a member, and a prefix purge through neuroctl", async () => {
		await cachedEverywhere("/pages/2");
		await cachedEverywhere("/pages/3");
		const response = await fetch(`${api.get(1)}/v1/purge`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ tag: "page-2" }),
		});
		// Member 1 may be a follower: a 503 names the leader, which takes it.
		const answer =
			response.status === 503
				? await fetch(`${((await response.json()) as { leader: string }).leader}/v1/purge`, {
						method: "POST",
						headers: { "content-type": "application/json" },
						body: JSON.stringify({ tag: "page-2" }),
					})
				: response;
		expect(answer.status).toBe(200);
		expect(await answer.json()).toMatchObject({ purge: { tag: "page-2" }, duplicate: false });
		expect(await missedEverywhere("/pages/2")).toHaveLength(3);
		// Page 3 was not tagged page-2: still a hit everywhere.
		expect((await cacheStatuses("/pages/3")).every((s) => /;hit/.test(s))).toBe(true);
		expect((await ctl("purge", "--prefix", "http://cdn.test/pages/")).code).toBe(0);
		expect(await missedEverywhere("/pages/3")).toHaveLength(3);
	}, 30_000);

	test("a bad purge body is a 400 and reaches no log", async () => {
		const response = await fetch(`${api.get(2)}/v1/purge`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ url: "not a url" }),
		});
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ error: "bad-request" });
	});
});

describe("replicated POP config", () => {
	test("set through neuroctl moves every edge of that POP to the new origin; del moves it back", async () => {
		// The nodes started without --origin (the demo origin): the replicated routing wins.
		const moved = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			fetch: (request) =>
				new Response(`moved origin ${new URL(request.url).pathname}`, {
					headers: { "cache-control": "no-store" },
				}),
		});
		try {
			const file = join(cluster.root, "local.yaml");
			writeFileSync(
				file,
				`name: local\nregion: lab\nlisten: { host: 127.0.0.1, port: 8101 }\norigin: http://127.0.0.1:${moved.port}\ntiers: { memoryMb: 16 }\n`,
			);
			const set = await ctl("pop-config", "set", "local", file);
			expect(set.code).toBe(0);
			for (const node of nodes.values())
				await node.waitForLine(
					/POP local's replicated config changed \(index \d+\): routing applied \(every host -> http:\/\/127\.0\.0\.1:\d+\)/,
				);
			const bodies = async () =>
				Promise.all(
					[...nodes.values()].map(async (node) => {
						const response = await fetch(`${node.url}/where`, { headers: { host: "cdn.test" } });
						return response.text();
					}),
				);
			expect(await bodies()).toEqual([
				"moved origin /where",
				"moved origin /where",
				"moved origin /where",
			]);
			const got = JSON.parse((await ctl("--json", "pop-config", "get", "local")).stdout);
			expect(got).toMatchObject({ name: "local", config: { region: "lab" }, revision: 1 });
			const bad = join(cluster.root, "bad.yaml");
			writeFileSync(bad, "name: local\nregion: lab\n");
			const refused = await ctl("pop-config", "set", "local", bad);
			expect(refused.code).toBe(5);
			expect(refused.stderr).toContain("listen");
			expect((await ctl("pop-config", "del", "local")).code).toBe(0);
			for (const node of nodes.values())
				await node.waitForLine(
					/POP local's replicated config was deleted \(index \d+\): routing back to what this node started with/,
				);
			// Back on each node's own demo origin, which knows no /where.
			for (const body of await bodies()) expect(body).not.toContain("moved origin");
			expect((await ctl("pop-config", "get", "local")).code).toBe(1);
		} finally {
			moved.stop(true);
		}
	}, 30_000);
});
