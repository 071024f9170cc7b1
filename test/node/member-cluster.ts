/**
 * node.ts processes as members of one cluster file, for tests that kill and restart
 * them: ports chosen once (a restarted member comes back on its own), every member's API
 * address (and gossip address, when the cluster gossips), its status, and waits that poll
 * with a deadline.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { MetricsAnswer, StatusAnswer } from "../../cluster/kv/http-api.ts";
import { writeLoopbackClusterFile } from "../../scripts/lib/cluster-file.ts";
import { NODE_ENTRY, type NodeProcess, startNode } from "./node-process.ts";

export { pollUntil } from "./poll-until.ts";

export interface ClusterTiming {
	readonly tickMs: number;
	readonly electionTicks: number;
	readonly heartbeatTicks: number;
}

/** The cluster file's optional SWIM timing; given, every node also gets a gossip port. */
export interface GossipTiming {
	readonly probeIntervalMs: number;
	readonly probeTimeoutMs: number;
	readonly pushPullIntervalMs: number;
}

export class MemberCluster {
	readonly root = mkdtempSync(join(tmpdir(), "neuro-members-"));
	readonly configPath = join(this.root, "nodes.yaml");
	/** Mutable: a test drops the member it killed, so clients stop asking it. */
	readonly api: Map<number, string>;
	readonly raft: ReadonlyMap<number, string>;
	readonly gossip: ReadonlyMap<number, string>;
	readonly processes = new Map<number, NodeProcess>();

	/** `joiners`: nodes in the file with `join: true`, added by an operator later. */
	constructor(
		readonly ids: readonly number[],
		readonly timing: ClusterTiming,
		joiners: readonly number[] = [],
		gossipTiming?: GossipTiming,
		/** The cluster file's `secretFile:`, when the cluster authenticates its peers. */
		secretFile?: string,
		host: "127.0.0.1" | "::1" = "127.0.0.1",
	) {
		const addresses = writeLoopbackClusterFile(this.configPath, {
			dataDir: join(this.root, "data"),
			ids,
			raftTiming: timing,
			...(gossipTiming === undefined ? {} : { gossipTiming: { ...gossipTiming } }),
			joiners,
			...(secretFile === undefined ? {} : { secretFile }),
			host,
		});
		this.raft = addresses.raft;
		this.api = new Map(addresses.api);
		this.gossip = addresses.gossip;
	}

	/** The configured election timeout; a follower's randomized one is 1-2x this. */
	get electionTimeoutMs(): number {
		return this.timing.tickMs * this.timing.electionTicks;
	}

	/** `env`: more environment for this process (NEURO_ADMIN_TOKEN, a secret file of its own). */
	async start(id: number, env: Record<string, string | undefined> = {}): Promise<NodeProcess> {
		const node = await startNode(
			[process.execPath, NODE_ENTRY],
			["--port", "0", "--memory-mb", "8", "--id", String(id), "--config", this.configPath],
			{ env },
		);
		this.processes.set(id, node);
		await node.waitForLine(/raft member \d+: API on/);
		return node;
	}

	async kill(id: number): Promise<void> {
		const node = this.processes.get(id);
		node?.kill();
		await node?.exited;
		this.processes.delete(id);
	}

	/** A member's status, or undefined if it does not answer. */
	async status(id: number): Promise<StatusAnswer | undefined> {
		try {
			const response = await fetch(`${this.api.get(id)}/v1/status`, {
				signal: AbortSignal.timeout(500),
			});
			return v.parse(StatusAnswer, await response.json());
		} catch {
			return undefined;
		}
	}

	async metrics(id: number): Promise<MetricsAnswer | undefined> {
		try {
			const response = await fetch(`${this.api.get(id)}/metrics.json`, {
				signal: AbortSignal.timeout(500),
			});
			return v.parse(MetricsAnswer, await response.json());
		} catch {
			return undefined;
		}
	}

	/** The first leader any running member reports with a term above `aboveTerm`. */
	async leader(aboveTerm = 0): Promise<{ id: number; term: number } | undefined> {
		// All at once: the time a leader is first seen is what the election test measures.
		const statuses = await Promise.all([...this.processes.keys()].map((id) => this.status(id)));
		const found = statuses.find((s) => s?.role === "leader" && s.term > aboveTerm);
		return found === undefined ? undefined : { id: found.id, term: found.term };
	}

	stopAll(): void {
		for (const node of this.processes.values()) node.kill();
		rmSync(this.root, { recursive: true, force: true });
	}
}
