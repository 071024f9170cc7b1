/**
 * Our 3-member Raft KV cluster on loopback for the benchmark: three real node.ts processes
 * (`bun node.ts --id N --config nodes.yaml`), each with its own data dir under the same
 * temporary root as etcd's (same disk; the WAL fsyncs every group commit, as always),
 * free ports, started and awaited until one member leads, stopped on close.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeLoopbackClusterFile } from "../lib/cluster-file.ts";

export interface NeuroCluster {
	/** Every member's HTTP API address, by node id. */
	readonly apiUrls: ReadonlyMap<number, string>;
	close(): Promise<void>;
}

const NODE_ENTRY = new URL("../../node.ts", import.meta.url).pathname;

interface StatusBody {
	readonly id: number;
	readonly role: string;
	readonly leader: number | null;
}

async function status(url: string): Promise<StatusBody | undefined> {
	try {
		const response = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(1000) });
		return response.ok ? ((await response.json()) as StatusBody) : undefined;
	} catch {
		return undefined;
	}
}

/** The API address of the member that leads now, once one does (or throws at the deadline). */
export async function neuroLeader(
	apiUrls: ReadonlyMap<number, string>,
	timeoutMs = 30_000,
): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		for (const url of apiUrls.values()) {
			const s = await status(url);
			if (s?.role === "leader") return url;
		}
		await Bun.sleep(100);
	}
	throw new Error("our cluster elected no leader in time");
}

export async function startNeuro(log: (line: string) => void): Promise<NeuroCluster> {
	const root = mkdtempSync(join(tmpdir(), "bench-neuro-"));
	// The core's timing is the cluster file's default (50 ms ticks: 100 ms heartbeats,
	// 500-1000 ms elections), close to etcd's defaults (100 ms heartbeats, 1 s elections).
	const configPath = join(root, "nodes.yaml");
	const apiUrls = writeLoopbackClusterFile(configPath, {
		dataDir: join(root, "data"),
		ids: [1, 2, 3],
	}).api;
	const processes = [1, 2, 3].map((id) =>
		Bun.spawn(
			[
				process.execPath,
				NODE_ENTRY,
				"--port",
				"0",
				"--memory-mb",
				"8",
				"--id",
				String(id),
				"--config",
				configPath,
			],
			{
				stdin: "ignore",
				stdout: "ignore",
				stderr: "ignore",
				// A loopback cluster with its API open, as the etcd it is measured against runs.
				env: {
					...process.env,
					NEURO_ORIGIN: undefined,
					NEURO_POP: undefined,
					NEURO_ADMIN_TOKEN: undefined,
				},
			},
		),
	);
	const close = async () => {
		for (const p of processes) p.kill("SIGTERM");
		await Promise.all(processes.map((p) => p.exited));
		rmSync(root, { recursive: true, force: true });
	};
	try {
		await neuroLeader(apiUrls);
	} catch (error) {
		await close();
		throw error;
	}
	log(`our cluster up: ${[...apiUrls.values()].join(", ")}`);
	return { apiUrls, close };
}
