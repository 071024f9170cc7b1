/**
 * SIGTERM on a real node.ts running a cluster of one (`--data DIR`, what `npm start` runs):
 * the control plane's API stops accepting, writes in flight are answered or cut off, the
 * log is flushed and closed, the process exits 0, and a restart on the same directory has
 * every acknowledged write.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NODE_ENTRY, type NodeProcess, startNode } from "./node-process.ts";

const root = mkdtempSync(join(tmpdir(), "neuro-member-stop-"));
const started: NodeProcess[] = [];
afterAll(() => {
	for (const node of started) node.kill();
	rmSync(root, { recursive: true, force: true });
});

async function startSingle(): Promise<{ node: NodeProcess; api: string }> {
	const node = await startNode(
		[process.execPath, NODE_ENTRY],
		["--port", "0", "--memory-mb", "8", "--data", join(root, "data"), "--api-port", "0"],
	);
	started.push(node);
	// What npm start prints beside the edge's lines: where the API is, and what to try.
	const line = await node.waitForLine(/control plane: a single-node Raft cluster, API on (\S+),/);
	await node.waitForLine(/npm run ctl -- --endpoints http:\S+ put greeting hello/);
	const api = /API on (\S+),/.exec(line)?.[1] as string;
	const deadline = Date.now() + 10_000;
	while ((await fetch(`${api}/health`)).status !== 200) {
		if (Date.now() > deadline) throw new Error(`no leader within 10 s:\n${node.lines.join("\n")}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	return { node, api };
}

function put(api: string, key: string, value: string): Promise<number> {
	return fetch(`${api}/v1/kv/${key}`, { method: "PUT", body: JSON.stringify({ value }) }).then(
		async (response) => {
			await response.arrayBuffer();
			return response.status;
		},
		() => 0,
	);
}

describe("a member's graceful shutdown (SIGTERM)", () => {
	test("exit 0 with the log closed; a restart recovers every acknowledged write", async () => {
		const first = await startSingle();
		for (let i = 0; i < 10; i++) expect(await put(first.api, `before-${i}`, `v${i}`)).toBe(200);
		// Writes still in flight when the signal arrives: each is answered or cut off, never lost
		// once acknowledged.
		const inFlight = Array.from({ length: 20 }, (_, i) => put(first.api, `during-${i}`, `d${i}`));
		first.node.proc.kill("SIGTERM");
		expect(await first.node.exited).toBe(0);
		const statuses = await Promise.all(inFlight);
		expect(first.node.lines.join("\n")).toContain("INFO raft member 1: stopped");

		const second = await startSingle();
		for (let i = 0; i < 10; i++) {
			const answer = await (await fetch(`${second.api}/v1/kv/before-${i}`)).json();
			expect(answer).toMatchObject({ value: `v${i}` });
		}
		for (const [i, status] of statuses.entries()) {
			if (status !== 200) continue;
			const answer = await (await fetch(`${second.api}/v1/kv/during-${i}`)).json();
			expect(answer).toMatchObject({ value: `d${i}` });
		}
		second.node.proc.kill("SIGTERM");
		expect(await second.node.exited).toBe(0);
	});
});
