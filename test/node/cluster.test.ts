/**
 * Three node.ts processes, each an edge plus Raft member N of one cluster file
 * (`--id N --config nodes.yaml`), driven with neuroctl: writes and reads through any
 * member, then the leader is killed with SIGKILL, a new one takes over, and every
 * acknowledged write is still there. A bad cluster file or half the flags exit 2.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { UNAUTHENTICATED_WARNING } from "../../cluster/node/cluster-secret-file.ts";
import { MemberCluster } from "./member-cluster.ts";
import { NODE_ENTRY, runCtl, runToEnd } from "./node-process.ts";

const NODE = [process.execPath, NODE_ENTRY];
const cluster = new MemberCluster([1, 2, 3], { tickMs: 20, electionTicks: 10, heartbeatTicks: 2 });
const { configPath, processes, api } = cluster;

function ctl(...args: string[]) {
	return runCtl(args, { endpoints: [...api.values()], timeoutMs: 10_000 });
}

beforeAll(async () => {
	await Promise.all([1, 2, 3].map((id) => cluster.start(id)));
}, 60_000);

afterAll(() => cluster.stopAll());

async function leaderId(): Promise<number> {
	const status = await ctl("--json", "status");
	return (JSON.parse(status.stdout) as { leader: number | null }).leader ?? 0;
}

describe("node.ts as a Raft member", () => {
	test("writes survive the leader's SIGKILL; a new leader serves them", async () => {
		for (let i = 0; i < 5; i++) expect((await ctl("put", `key-${i}`, `value-${i}`)).code).toBe(0);
		const old = await leaderId();
		expect([1, 2, 3]).toContain(old);
		processes.get(old)?.kill();
		await processes.get(old)?.exited;
		api.delete(old);
		// neuroctl waits out the election through the survivors.
		expect((await ctl("put", "after", "failover")).code).toBe(0);
		const next = await leaderId();
		expect(next).not.toBe(old);
		for (let i = 0; i < 5; i++) expect((await ctl("get", `key-${i}`)).stdout).toBe(`value-${i}\n`);
		expect((await ctl("get", "after")).stdout).toBe("failover\n");
	}, 60_000);

	test("without a cluster secret, each member says once at start that peer traffic is unauthenticated", () => {
		for (const node of processes.values()) {
			expect(node.lines.filter((line) => line === UNAUTHENTICATED_WARNING)).toHaveLength(1);
		}
	});

	test("a bad cluster file, an unknown id, or half the flags: exit 2 naming the problem", async () => {
		const bad = join(cluster.root, "bad.yaml");
		writeFileSync(bad, 'dataDir: x\nnodes:\n  1: { raft: nowhere, api: "127.0.0.1:1" }\n');
		const badFile = await runToEnd([...NODE, "--port", "0", "--id", "1", "--config", bad]);
		expect(badFile.code).toBe(2);
		expect(badFile.stderr).toContain(`${bad}: nodes.1.raft: must be host:port`);
		const unknown = await runToEnd([...NODE, "--port", "0", "--id", "9", "--config", configPath]);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain("no node 9");
		const half = await runToEnd([...NODE, "--port", "0", "--id", "1"]);
		expect(half.code).toBe(2);
		expect(half.stderr).toContain("--id and --config go together");
	});
});
