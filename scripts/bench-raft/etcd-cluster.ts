/**
 * A 3-member etcd cluster on loopback for the benchmark: its own data dirs (fsync on, as
 * etcd always does), free ports, started and awaited healthy, stopped on close.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPorts } from "../lib/free-ports.ts";

export interface EtcdCluster {
	readonly clientUrls: readonly string[];
	readonly version: string;
	close(): Promise<void>;
}

async function healthy(url: string, deadline: number): Promise<void> {
	while (Date.now() < deadline) {
		try {
			const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
			if (response.ok && ((await response.json()) as { health?: string }).health === "true") return;
		} catch {
			// not up yet
		}
		await Bun.sleep(100);
	}
	throw new Error(`etcd at ${url} not healthy in time`);
}

export async function startEtcd(log: (line: string) => void): Promise<EtcdCluster> {
	const which = Bun.spawnSync(["etcd", "--version"]);
	if (which.exitCode !== 0) throw new Error("etcd not found: apt-get install etcd-server");
	const version = which.stdout.toString().split("\n")[0]?.trim() ?? "etcd";
	const root = mkdtempSync(join(tmpdir(), "bench-etcd-"));
	const ports = freeLoopbackPorts(6);
	const members = [0, 1, 2].map((i) => ({
		name: `e${i}`,
		client: `http://127.0.0.1:${ports[i * 2]}`,
		peer: `http://127.0.0.1:${ports[i * 2 + 1]}`,
	}));
	const initial = members.map((m) => `${m.name}=${m.peer}`).join(",");
	const processes = members.map((m) =>
		Bun.spawn(
			[
				"etcd",
				"--name",
				m.name,
				"--data-dir",
				join(root, m.name),
				"--listen-client-urls",
				m.client,
				"--advertise-client-urls",
				m.client,
				"--listen-peer-urls",
				m.peer,
				"--initial-advertise-peer-urls",
				m.peer,
				"--initial-cluster",
				initial,
				"--initial-cluster-state",
				"new",
				"--log-level",
				"error",
			],
			{ stdout: "ignore", stderr: "ignore" },
		),
	);
	const deadline = Date.now() + 30_000;
	await Promise.all(members.map((m) => healthy(m.client, deadline)));
	log(`etcd cluster up: ${members.map((m) => m.client).join(", ")}`);
	return {
		clientUrls: members.map((m) => m.client),
		version,
		async close() {
			for (const p of processes) p.kill("SIGTERM");
			await Promise.all(processes.map((p) => p.exited));
			rmSync(root, { recursive: true, force: true });
		},
	};
}

/** The member that leads now: the benchmark sends to it, as a leader-aware client would. */
export async function etcdLeader(clientUrls: readonly string[]): Promise<string> {
	for (const url of clientUrls) {
		const response = await fetch(`${url}/v3/maintenance/status`, { method: "POST", body: "{}" });
		const status = (await response.json()) as { header?: { member_id?: string }; leader?: string };
		if (status.leader !== undefined && status.header?.member_id === status.leader) return url;
	}
	return clientUrls[0] as string;
}
