/**
 * A control plane that cannot start, as a real node.ts process: a damaged log, a data dir
 * the filesystem refuses and a Raft port held by another process each stop the node with exit 2 and one line naming the
 * problem, never a stack trace.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemberCluster } from "./member-cluster.ts";
import { NODE_ENTRY, runToEnd, startNode } from "./node-process.ts";

const NODE = [process.execPath, NODE_ENTRY];
/** A small edge on any free port: what every case here starts besides its control plane. */
const SMALL_EDGE = ["--port", "0", "--memory-mb", "8"];
const root = mkdtempSync(join(tmpdir(), "neuro-start-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A stack trace's frames, as Bun prints them. */
const STACK_FRAME = /^\s+at /m;

describe("a control plane that cannot start", () => {
	test("a damaged log: exit 2 naming the data dir and the damage, nothing repaired", async () => {
		const dataDir = join(root, "damaged");
		const args = [...SMALL_EDGE, "--data", dataDir, "--api-port", "0"];
		const node = await startNode(NODE, args);
		const apiLine = /raft member 1: API on (http:\/\/[\d.:]+)/;
		const api = (await node.waitForLine(apiLine)).match(apiLine)?.[1];
		// Until the one member has elected itself the write is a 503 NotLeader: ask again.
		const deadline = Date.now() + 10_000;
		let put: Response;
		for (;;) {
			put = await fetch(`${api}/v1/kv/k`, {
				method: "PUT",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ value: "kept" }),
			});
			if (put.status !== 503 || Date.now() > deadline) break;
			await put.arrayBuffer();
			await Bun.sleep(20);
		}
		expect(put.status).toBe(200);
		node.proc.kill("SIGTERM");
		expect(await node.exited).toBe(0);
		const memberDir = join(dataDir, "node-1");
		const segment = readdirSync(memberDir).find((name) => name.startsWith("wal-"));
		if (segment === undefined) throw new Error(`no log segment in ${memberDir}`);
		const bytes = readFileSync(join(memberDir, segment));
		// A byte inside the last record's payload: its checksum no longer matches.
		const at = bytes.byteLength - 8;
		bytes[at] = (bytes[at] as number) ^ 0xff;
		writeFileSync(join(memberDir, segment), bytes);
		const run = await runToEnd([...NODE, ...args]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(`control plane: the log in ${memberDir} is damaged: ${segment}`);
		expect(run.stderr).not.toMatch(STACK_FRAME);
		// Refused, not repaired: the damaged segment is as it was left.
		expect(readFileSync(join(memberDir, segment))).toEqual(bytes);
	}, 30_000);

	test("a damaged CRDT store: exit 2 naming its directory and the damage, nothing repaired", async () => {
		const dataDir = join(root, "crdt-damaged");
		const args = [...SMALL_EDGE, "--data", dataDir, "--api-port", "0"];
		const node = await startNode(NODE, args);
		await node.waitForLine(/CRDT store in /);
		node.proc.kill("SIGTERM");
		expect(await node.exited).toBe(0);
		const crdtDir = join(dataDir, "node-1", "crdt");
		const snapshot = readdirSync(crdtDir).find((name) => name.endsWith(".snap"));
		if (snapshot === undefined) throw new Error(`no CRDT snapshot in ${crdtDir}`);
		const zeros = new Uint8Array(readFileSync(join(crdtDir, snapshot)).byteLength);
		writeFileSync(join(crdtDir, snapshot), zeros);
		const run = await runToEnd([...NODE, ...args]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(
			`gossip plane: the CRDT store in ${crdtDir} is damaged: ${snapshot} at offset 0:`,
		);
		expect(run.stderr).not.toMatch(STACK_FRAME);
		expect(new Uint8Array(readFileSync(join(crdtDir, snapshot)))).toEqual(zeros);
	}, 30_000);

	test("a data dir under a regular file: exit 2, one line naming the path, no stack trace", async () => {
		const file = join(root, "a-file");
		writeFileSync(file, "not a directory\n");
		const dataDir = join(file, "sub");
		const args = [...SMALL_EDGE, "--data", dataDir, "--api-port", "0"];
		const run = await runToEnd([...NODE, ...args]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(
			`control plane: cannot use ${join(dataDir, "node-1")} as the log directory: ENOTDIR`,
		);
		expect(run.stderr).not.toMatch(STACK_FRAME);
		expect(readFileSync(file, "utf8")).toBe("not a directory\n");
	}, 30_000);

	test("a Raft port held by another process: exit 2 naming it", async () => {
		const cluster = new MemberCluster([1, 2, 3], {
			tickMs: 50,
			electionTicks: 10,
			heartbeatTicks: 2,
		});
		const raft = new URL(`tcp://${cluster.raft.get(1)}`);
		const holder = createServer();
		await new Promise<void>((resolve) => holder.listen(Number(raft.port), raft.hostname, resolve));
		try {
			const run = await runToEnd([
				...NODE,
				...SMALL_EDGE,
				"--id",
				"1",
				"--config",
				cluster.configPath,
			]);
			expect(run.code).toBe(2);
			expect(run.stderr).toContain(`control plane:`);
			expect(run.stderr).toContain(raft.port);
			expect(run.stderr).not.toMatch(STACK_FRAME);
		} finally {
			holder.close();
			rmSync(cluster.root, { recursive: true, force: true });
		}
	}, 30_000);

	test("an API port another server holds with SO_REUSEPORT (as an edge does): exit 2 naming it", async () => {
		// Were the API to bind with SO_REUSEPORT too, the kernel would split its requests
		// between this member and whatever holds the port (another node's API, an edge).
		const holder = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			reusePort: true,
			fetch: () => new Response("not the cluster API"),
		});
		const dataDir = join(root, "api-port-held");
		try {
			const run = await runToEnd([
				...NODE,
				...SMALL_EDGE,
				"--data",
				dataDir,
				"--api-port",
				String(holder.port),
			]);
			expect(run.code).toBe(2);
			expect(run.stderr).toContain(`cannot listen on 127.0.0.1:${holder.port}`);
			expect(run.stderr).not.toMatch(STACK_FRAME);
		} finally {
			holder.stop(true);
		}
	}, 30_000);
});
