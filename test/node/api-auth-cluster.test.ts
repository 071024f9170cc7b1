/**
 * The API token on real node.ts processes: three members started with NEURO_ADMIN_TOKEN
 * refuse a write without it (401, nothing applied) while status and health stay open, and
 * neuroctl with the token writes and reads through any member; a node started without a
 * token serves its API open and says so in one WARN line.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { ErrorAnswer } from "../../cluster/kv/http-api.ts";
import { rawRequest } from "../proxy/raw-client.ts";
import { MemberCluster, pollUntil } from "./member-cluster.ts";
import { NODE_ENTRY, type NodeProcess, runCtl, startNode } from "./node-process.ts";

const TOKEN = "cluster-api-test-token";
const cluster = new MemberCluster([1, 2, 3], { tickMs: 20, electionTicks: 10, heartbeatTicks: 2 });
const root = mkdtempSync(join(tmpdir(), "neuro-api-auth-"));
const single: NodeProcess[] = [];

beforeAll(async () => {
	await Promise.all(cluster.ids.map((id) => cluster.start(id, { NEURO_ADMIN_TOKEN: TOKEN })));
	// Status stays open: the leader is found without the token.
	await pollUntil("a leader", () => cluster.leader());
}, 60_000);

afterAll(() => {
	cluster.stopAll();
	for (const node of single) node.kill();
	rmSync(root, { recursive: true, force: true });
});

function ctl(args: readonly string[], token?: string) {
	return runCtl(args, {
		endpoints: [...cluster.api.values()],
		timeoutMs: 10_000,
		...(token === undefined ? {} : { token }),
	});
}

describe("a cluster started with NEURO_ADMIN_TOKEN", () => {
	test("a write without the token is a 401 and applies nothing; neuroctl with it succeeds", async () => {
		const leader = await pollUntil("a leader", () => cluster.leader());
		const api = cluster.api.get(leader.id) as string;
		const refused = await fetch(`${api}/v1/kv/greeting`, {
			method: "PUT",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ value: "pwned" }),
		});
		expect(refused.status).toBe(401);
		expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="neurocache"');
		expect(v.parse(ErrorAnswer, await refused.json()).error).toBe("unauthorized");

		const withoutToken = await ctl(["put", "greeting", "hello"]);
		expect(withoutToken.code).toBe(5);
		expect(withoutToken.stderr).toContain("requires a token: set NEURO_ADMIN_TOKEN");
		const wrongToken = await ctl(["put", "greeting", "hello"], "not-the-token");
		expect(wrongToken.code).toBe(5);

		// Nothing of the refused writes reached the log: the key is still absent.
		const absent = await ctl(["get", "greeting"], TOKEN);
		expect({ code: absent.code, stdout: absent.stdout }).toEqual({
			code: 1,
			stdout: "greeting: not found\n",
		});
		const put = await ctl(["put", "greeting", "hello"], TOKEN);
		expect({ code: put.code, stderr: put.stderr }).toEqual({ code: 0, stderr: "" });
		expect((await ctl(["get", "greeting"], TOKEN)).stdout).toBe("hello\n");
	}, 30_000);

	test("status and health answer without the token; the members printed no WARN", async () => {
		for (const api of cluster.api.values()) {
			expect((await fetch(`${api}/v1/status`)).status).toBe(200);
			expect([200, 503]).toContain((await fetch(`${api}/health`)).status);
			expect((await fetch(`${api}/v1/members`)).status).toBe(401);
			// A load balancer's HTTP/1.0 check without Host reaches the same routes.
			const check = await rawRequest(api, "GET /v1/status HTTP/1.0\r\n\r\n");
			expect(check.status).toBe(200);
			expect(JSON.parse(check.body)).toHaveProperty("role");
			expect((await rawRequest(api, "GET /v1/members HTTP/1.0\r\n\r\n")).status).toBe(401);
		}
		for (const node of cluster.processes.values())
			expect(node.lines.filter((line) => line.includes("unauthenticated"))).toEqual([]);
	});
});

describe("a node started without a token", () => {
	test("serves its API open, and says so in one WARN line naming the API and the variable", async () => {
		const node = await startNode(
			[process.execPath, NODE_ENTRY],
			["--port", "0", "--memory-mb", "8", "--data", join(root, "data"), "--api-port", "0"],
		);
		single.push(node);
		const warn = await node.waitForLine(/^WARN cluster API on http:\S+ is unauthenticated/);
		expect(warn).toContain("set NEURO_ADMIN_TOKEN");
		const api = /API on (\S+) /.exec(warn)?.[1] as string;
		expect((await fetch(`${api}/v1/members`)).status).toBe(200);
		expect(node.lines.filter((line) => line.includes("unauthenticated")).length).toBe(1);
	}, 20_000);
});
