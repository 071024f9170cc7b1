/**
 * The cluster API over HTTPS and Raft over TLS (the cluster file's apiTls and peerTls) on
 * real node.ts processes: three members elect a leader and replicate over TLS, serve their
 * API with the certificate, name each other by https URLs (neuroctl follows NotLeader to
 * one), refuse plain HTTP, and neuroctl verifies them against --ca-file; a bad apiTls or
 * peerTls stops a node at start, naming the field.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MemberCluster, pollUntil } from "./member-cluster.ts";
import { NODE_ENTRY, runCtl, runToEnd } from "./node-process.ts";
import { makeSelfSignedCert, type TestCert } from "./tls-certs.ts";

const cluster = new MemberCluster([1, 2, 3], { tickMs: 20, electionTicks: 10, heartbeatTicks: 2 });
let cert: TestCert;
let other: TestCert;
const https = () => [...cluster.api.values()].map((url) => url.replace("http://", "https://"));

beforeAll(async () => {
	cert = makeSelfSignedCert();
	other = makeSelfSignedCert("other");
	appendFileSync(
		cluster.configPath,
		`apiTls: { cert: ${cert.certPath}, key: ${cert.keyPath} }\n` +
			// The self-signed certificate is its own authority.
			`peerTls: { cert: ${cert.certPath}, key: ${cert.keyPath}, ca: ${cert.certPath} }\n`,
	);
	await Promise.all(cluster.ids.map((id) => cluster.start(id)));
	for (const [id, url] of cluster.api) cluster.api.set(id, url.replace("http://", "https://"));
}, 60_000);

afterAll(() => {
	cluster.stopAll();
	for (const made of [cert, other]) rmSync(made.dir, { recursive: true, force: true });
});

async function leaderOverHttps(): Promise<number> {
	return pollUntil("a leader", async () => {
		for (const [id, url] of cluster.api) {
			try {
				const response = await fetch(`${url}/v1/status`, { tls: { ca: cert.cert } });
				const status = (await response.json()) as { role: string };
				if (status.role === "leader") return id;
			} catch {}
		}
		return undefined;
	});
}

describe("a cluster whose API is served over HTTPS", () => {
	test("each member says its API is https and answers over TLS; plain HTTP gets no answer", async () => {
		for (const node of cluster.processes.values())
			expect(node.lines.some((line) => /API on https:\/\/127\.0\.0\.1:\d+/.test(line))).toBe(true);
		await leaderOverHttps();
		for (const url of cluster.api.values()) {
			const health = await fetch(`${url}/health`, { tls: { ca: cert.cert } });
			expect([200, 503]).toContain(health.status);
			const plain = await fetch(`${url.replace("https://", "http://")}/health`).then(
				(response) => response.status,
				() => "failed",
			);
			expect(plain === "failed" || plain === 400).toBe(true);
		}
	}, 30_000);

	test("neuroctl with --ca-file writes through any member (NotLeader names https URLs)", async () => {
		await leaderOverHttps();
		const caFile = join(cluster.root, "ca.pem");
		writeFileSync(caFile, cert.cert);
		for (const endpoint of https()) {
			const put = await runCtl(["--ca-file", caFile, "put", "k", endpoint], {
				endpoints: [endpoint],
				timeoutMs: 10_000,
			});
			expect({ endpoint, code: put.code, stderr: put.stderr }).toEqual({
				endpoint,
				code: 0,
				stderr: "",
			});
		}
		const got = await runCtl(["--ca-file", caFile, "get", "k"], {
			endpoints: https(),
			timeoutMs: 10_000,
		});
		expect(got.stdout).toStartWith("https://");
	}, 60_000);

	test("neuroctl trusting another CA, or none, gets no answer it accepts", async () => {
		const wrongCa = join(cluster.root, "other.pem");
		writeFileSync(wrongCa, other.cert);
		for (const args of [["--ca-file", wrongCa], []]) {
			const refused = await runCtl([...args, "status"], { endpoints: https(), timeoutMs: 1_500 });
			expect(refused.code).toBe(4);
		}
		const missing = await runCtl(["--ca-file", join(cluster.root, "nope.pem"), "status"], {
			endpoints: https(),
		});
		expect({ code: missing.code, stderr: missing.stderr }).toEqual({
			code: 2,
			stderr: expect.stringContaining("--ca-file:") as unknown as string,
		});
	}, 30_000);

	test("a leader's write reaches every member over the TLS transport", async () => {
		await leaderOverHttps();
		const caFile = join(cluster.root, "ca.pem");
		writeFileSync(caFile, cert.cert);
		const put = await runCtl(["--ca-file", caFile, "put", "replicated", "yes"], {
			endpoints: https(),
			timeoutMs: 10_000,
		});
		expect(put.code).toBe(0);
		// Applied on every member: each one's applied index reaches the leader's commit.
		const statuses = async () =>
			Promise.all(
				https().map(async (url) => {
					const response = await fetch(`${url}/v1/status`, { tls: { ca: cert.cert } });
					return (await response.json()) as { applied: number; commit: number };
				}),
			);
		const target = Math.max(...(await statuses()).map((s) => s.commit));
		await pollUntil("every member applied the write", async () =>
			(await statuses()).every((s) => s.applied >= target) ? true : undefined,
		);
		for (const node of cluster.processes.values())
			expect(node.lines.filter((line) => line.includes("TLS refused"))).toEqual([]);
	}, 30_000);

	test("an apiTls or peerTls whose files are missing or do not match stops the node, naming the field", async () => {
		for (const [tls, named] of [
			[`apiTls: { cert: ${join(cluster.root, "none.crt")}, key: ${cert.keyPath} }`, "apiTls.cert"],
			[`apiTls: { cert: ${cert.certPath}, key: ${other.keyPath} }`, "apiTls.key"],
			[
				`peerTls: { cert: ${cert.certPath}, key: ${cert.keyPath}, ca: ${cert.keyPath} }`,
				"peerTls.ca",
			],
			[
				`peerTls: { cert: ${cert.certPath}, key: ${other.keyPath}, ca: ${cert.certPath} }`,
				"peerTls.key",
			],
		] as const) {
			const configPath = join(cluster.root, `bad-${named}.yaml`);
			writeFileSync(
				configPath,
				`dataDir: ${join(cluster.root, "bad")}\n${tls}\nnodes:\n  1: { raft: 127.0.0.1:1, api: 127.0.0.1:2 }\n`,
			);
			const run = await runToEnd([
				process.execPath,
				NODE_ENTRY,
				...["--port", "0", "--memory-mb", "8", "--id", "1", "--config", configPath],
			]);
			expect({ code: run.code, named: run.stderr.includes(named) }).toEqual({
				code: 2,
				named: true,
			});
		}
	}, 30_000);
});
