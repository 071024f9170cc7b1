/**
 * Three node.ts processes from one cluster file with `secretFile:` and gossip ports: they
 * elect a leader, replicate a write and gossip. Node 3 restarted with another secret
 * (NEURO_CLUSTER_SECRET_FILE) is refused by Raft and by gossip on both sides and never
 * counts a peer up, while the others go on; back with the right one, it catches up. A
 * missing or short secret stops the start with exit 2, naming the setting.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { GOSSIP_MEMBERS_PATH, GossipMembersAnswer } from "../../cluster/kv/crdt-api.ts";
import { UNAUTHENTICATED_WARNING } from "../../cluster/node/cluster-secret-file.ts";
import { type GossipTiming, MemberCluster, pollUntil } from "./member-cluster.ts";
import { NODE_ENTRY, runCtl, runToEnd } from "./node-process.ts";

const secrets = mkdtempSync(join(tmpdir(), "neuro-peerauth-"));
function secretFile(name: string, contents: string): string {
	const path = join(secrets, name);
	writeFileSync(path, contents);
	chmodSync(path, 0o600);
	return path;
}
const RIGHT = secretFile("right", `${"5e".repeat(32)}\n`);
const WRONG = secretFile("wrong", `${"0b".repeat(32)}\n`);

const GOSSIP: GossipTiming = { probeIntervalMs: 150, probeTimeoutMs: 75, pushPullIntervalMs: 2000 };
const cluster = new MemberCluster(
	[1, 2, 3],
	{ tickMs: 50, electionTicks: 10, heartbeatTicks: 2 },
	[],
	GOSSIP,
	RIGHT,
);
const { processes } = cluster;

const ctl = (...args: string[]) =>
	runCtl(args, { endpoints: [...cluster.api.values()], timeoutMs: 10_000 });

async function gossipMembers(id: number) {
	try {
		const response = await fetch(`${cluster.api.get(id)}${GOSSIP_MEMBERS_PATH}`, {
			signal: AbortSignal.timeout(1000),
		});
		return response.ok ? v.parse(GossipMembersAnswer, await response.json()) : undefined;
	} catch {
		return undefined;
	}
}

/** The ids `id` holds alive in gossip. */
async function aliveTo(id: number): Promise<number[] | undefined> {
	const answer = await gossipMembers(id);
	return answer?.members
		.filter((m) => m.state === "alive")
		.map((m) => m.id)
		.sort();
}

const linesOf = (id: number) => processes.get(id)?.lines ?? [];

beforeAll(async () => {
	await Promise.all([1, 2, 3].map((id) => cluster.start(id)));
}, 60_000);

afterAll(() => {
	cluster.stopAll();
	rmSync(secrets, { recursive: true, force: true });
});

describe("a cluster with a secret", () => {
	test("members elect a leader, replicate a write and gossip, with no warning about it", async () => {
		expect((await ctl("put", "greeting", "hello")).code).toBe(0);
		for (const id of [1, 2, 3]) {
			await pollUntil(`node 3 alive to node ${id}`, async () =>
				(await aliveTo(id))?.join(",") === "1,2,3" ? true : undefined,
			);
		}
		for (const id of [1, 2, 3]) {
			const lines = linesOf(id);
			expect(lines).toContainEqual(
				expect.stringContaining(
					`INFO cluster: Raft and gossip peers authenticate with the cluster secret from ${cluster.configPath}: secretFile (${RIGHT})`,
				),
			);
			expect(lines).not.toContain(UNAUTHENTICATED_WARNING);
			expect(
				lines.filter((l) => /authentication failed|bad-tag|authentication tag/.test(l)),
			).toEqual([]);
			expect(lines.join("\n")).not.toContain("5e5e5e");
		}
	}, 30_000);

	test("a member restarted with another secret is refused by Raft and gossip, and comes back with the right one", async () => {
		await cluster.kill(3);
		const impostor = await cluster.start(3, { NEURO_CLUSTER_SECRET_FILE: WRONG });
		// Its pre-votes and the leader's appends both meet a MAC that does not verify.
		await impostor.waitForLine(/^WARN transport 3: .*authentication failed/, 15_000);
		await pollUntil("a member refusing node 3's Raft handshake", async () =>
			[1, 2].some((id) =>
				linesOf(id).some((l) =>
					/^WARN transport \d: closing (link to node 3|the connection from .* \(claiming to be node 3\)): authentication failed/.test(
						l,
					),
				),
			)
				? true
				: undefined,
		);
		// Its gossip join reached both seeds, which refused it unread.
		for (const id of [1, 2]) {
			await processes
				.get(id)
				?.waitForLine(/^WARN gossip \d: push-pull from 127\.0\.0\.1 refused \(bad-tag\)/, 15_000);
		}
		expect(impostor.lines.filter((l) => /peer \d up/.test(l))).toEqual([]);
		expect(await aliveTo(3)).toEqual([3]);
		// The others go on without it.
		expect((await ctl("put", "while-refused", "yes")).code).toBe(0);

		await cluster.kill(3);
		const back = await cluster.start(3);
		await back.waitForLine(/peer \d up/, 15_000);
		await pollUntil("node 3 serving the write it missed", async () => {
			const answer = await runCtl(["get", "while-refused"], {
				endpoints: [cluster.api.get(3) ?? ""],
			});
			return answer.stdout === "yes\n" ? true : undefined;
		});
	}, 60_000);

	test("a missing or short secret stops the start with exit 2, naming the setting", async () => {
		const node = [process.execPath, NODE_ENTRY, "--port", "0", "--id", "1"];
		const missing = join(secrets, "missing");
		const fromEnv = await runToEnd([...node, "--config", cluster.configPath], {
			env: { NEURO_CLUSTER_SECRET_FILE: missing },
		});
		expect(fromEnv.code).toBe(2);
		expect(fromEnv.stderr).toContain(
			`NEURO_CLUSTER_SECRET_FILE (${missing}): cannot read the cluster secret: ENOENT`,
		);
		const short = secretFile("short", "too short\n");
		const shortOne = await runToEnd([...node, "--config", cluster.configPath], {
			env: { NEURO_CLUSTER_SECRET_FILE: short },
		});
		expect(shortOne.code).toBe(2);
		expect(shortOne.stderr).toContain("the cluster secret is 9 bytes; at least 32 are needed");
		expect(shortOne.stderr).not.toContain("too short");
		const config = join(secrets, "nodes.yaml");
		writeFileSync(
			config,
			`dataDir: ${JSON.stringify(join(secrets, "data"))}\nsecretFile: ${JSON.stringify(missing)}\nnodes:\n  1: { raft: "127.0.0.1:1", api: "127.0.0.1:2" }\n`,
		);
		const fromFile = await runToEnd([...node, "--config", config]);
		expect(fromFile.code).toBe(2);
		expect(fromFile.stderr).toContain(`${config}: secretFile (${missing}): cannot read`);
	}, 30_000);
});
