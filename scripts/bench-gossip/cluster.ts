/**
 * N real node.ts processes on loopback from one cluster file, each with a gossip address:
 * node 1 is the only founding Raft voter, nodes 2..N are `join: true` (an idle Raft member
 * that takes no part), so the control plane stays small while gossip runs on all N. Each
 * node's stderr goes to a log file under the cluster's temporary root (its last lines are
 * shown when start-up fails). `startGossipCluster` resolves once every node sees all N
 * members alive, or throws.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import * as v from "valibot";
import { GOSSIP_MEMBERS_PATH, GossipMembersAnswer } from "../../cluster/kv/crdt-api.ts";
import { writeLoopbackClusterFile } from "../lib/cluster-file.ts";
import { onStop, spawn } from "./processes.ts";

const NODE_ENTRY = new URL("../../node.ts", import.meta.url).pathname;

export interface GossipTiming {
	readonly probeIntervalMs: number;
	readonly probeTimeoutMs: number;
	readonly pushPullIntervalMs: number;
}

export interface GossipCluster {
	readonly size: number;
	/** API base URL per node, index 0 is node 1. */
	readonly api: readonly string[];
	/** Gossip port per node (UDP and TCP), index 0 is node 1. */
	readonly gossipPorts: readonly number[];
	close(): Promise<void>;
}

async function members(url: string): Promise<GossipMembersAnswer | undefined> {
	try {
		const response = await fetch(`${url}${GOSSIP_MEMBERS_PATH}`, {
			signal: AbortSignal.timeout(1000),
		});
		if (!response.ok) return undefined;
		return v.parse(GossipMembersAnswer, await response.json());
	} catch {
		return undefined;
	}
}

function tail(path: string, lines = 12): string {
	try {
		return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
	} catch {
		return "(no log)";
	}
}

export async function startGossipCluster(
	size: number,
	timing: GossipTiming,
	log: (line: string) => void,
	deadlineMs = 90_000,
): Promise<GossipCluster> {
	const root = mkdtempSync(join(tmpdir(), "bench-gossip-"));
	const configPath = join(root, "nodes.yaml");
	const ids = Array.from({ length: size }, (_, i) => i + 1);
	// Node 1 founds the Raft configuration; the rest are idle joiners (gossip members).
	const addresses = writeLoopbackClusterFile(configPath, {
		dataDir: join(root, "data"),
		ids,
		gossipTiming: { ...timing },
		joiners: ids.slice(1),
	});
	const api = ids.map((id) => addresses.api.get(id) ?? "");
	const gossipPorts = ids.map((id) => Number(addresses.gossip.get(id)?.split(":")[1] ?? 0));
	const logPath = (id: number) => join(root, `node-${id}.log`);
	const processes: Subprocess[] = [];
	for (let id = 1; id <= size; id++) {
		processes.push(
			spawn(
				[
					process.execPath,
					NODE_ENTRY,
					"--id",
					String(id),
					"--config",
					configPath,
					"--port",
					"0",
					"--memory-mb",
					"8",
				],
				{
					stdin: "ignore",
					stdout: "ignore",
					stderr: Bun.file(logPath(id)),
					// A loopback cluster with its API open: the load (wrk too) sends no token.
					env: {
						...process.env,
						NEURO_ORIGIN: undefined,
						NEURO_POP: undefined,
						NEURO_ADMIN_TOKEN: undefined,
					},
				},
			),
		);
	}
	let closed = false;
	const close = async () => {
		if (closed) return;
		closed = true;
		unregister();
		for (const p of processes) p.kill("SIGTERM");
		const timer = setTimeout(() => {
			for (const p of processes) if (p.exitCode === null) p.kill("SIGKILL");
		}, 5000);
		await Promise.all(processes.map((p) => p.exited));
		clearTimeout(timer);
		rmSync(root, { recursive: true, force: true });
	};
	const unregister = onStop(close);

	const started = performance.now();
	try {
		let lastAlive = -1;
		for (;;) {
			const dead = processes.findIndex((p) => p.exitCode !== null);
			if (dead >= 0)
				throw new Error(
					`node ${dead + 1} exited (${processes[dead]?.exitCode}):\n${tail(logPath(dead + 1))}`,
				);
			const views = await Promise.all(api.map(members));
			const alive = views.map((view) =>
				view === undefined ? -1 : view.members.filter((m) => m.state === "alive").length,
			);
			const fewest = Math.min(...alive);
			if (fewest === size) break;
			if (fewest !== lastAlive) {
				const up = alive.filter((n) => n >= 0).length;
				log(`  ${size} nodes: ${up} answering, fewest alive in any view ${Math.max(fewest, 0)}`);
				lastAlive = fewest;
			}
			if (performance.now() - started > deadlineMs) {
				const worst = alive.indexOf(fewest);
				throw new Error(
					`${size} nodes did not converge within ${deadlineMs / 1000}s (node ${worst + 1} sees ${fewest}):\n${tail(logPath(worst + 1))}`,
				);
			}
			await Bun.sleep(200);
		}
	} catch (error) {
		await close();
		throw error;
	}
	log(
		`  ${size} nodes up, all alive in every view after ${((performance.now() - started) / 1000).toFixed(1)}s`,
	);
	return { size, api, gossipPorts, close };
}
