/**
 * A cluster file (the YAML `node.ts --id N --config FILE` reads) for N members on loopback,
 * each on free ports: what the integration tests and the Raft and gossip benchmarks start
 * their processes from. The file's schema is cluster/config; this writes only the fields
 * those callers use.
 */
import { writeFileSync } from "node:fs";
import { formatHostPort } from "../../edge/http/host-port.ts";
import { freeLoopbackPorts } from "./free-ports.ts";

export interface LoopbackClusterOptions {
	readonly dataDir: string;
	readonly ids: readonly number[];
	/** The core's timing; the file's defaults when absent. */
	readonly raftTiming?: {
		readonly tickMs: number;
		readonly electionTicks: number;
		readonly heartbeatTicks: number;
	};
	/** Gossip timing: when given, every member also gets a gossip port. */
	readonly gossipTiming?: Readonly<Record<string, number>>;
	/** Members written with `join: true` (added to the Raft configuration later). */
	readonly joiners?: readonly number[];
	/** The cluster secret's file (`secretFile:`); none when absent. */
	readonly secretFile?: string;
	/** The loopback address every member listens on: 127.0.0.1 unless given. */
	readonly host?: "127.0.0.1" | "::1";
}

export interface LoopbackCluster {
	/** Member id to its Raft address (`127.0.0.1:PORT`, or `[::1]:PORT`). */
	readonly raft: ReadonlyMap<number, string>;
	/** Member id to its API URL (`http://127.0.0.1:PORT`). */
	readonly api: ReadonlyMap<number, string>;
	/** Member id to its gossip address; empty without gossip timing. */
	readonly gossip: ReadonlyMap<number, string>;
}

/** Writes the cluster file at `path` and returns where each member will listen. */
export function writeLoopbackClusterFile(
	path: string,
	options: LoopbackClusterOptions,
): LoopbackCluster {
	const { ids, raftTiming, gossipTiming } = options;
	const perNode = gossipTiming === undefined ? 2 : 3;
	const ports = freeLoopbackPorts(ids.length * perNode);
	const raft = new Map<number, string>();
	const api = new Map<number, string>();
	const gossip = new Map<number, string>();
	const lines = [
		`dataDir: ${JSON.stringify(options.dataDir)}`,
		...(options.secretFile === undefined
			? []
			: [`secretFile: ${JSON.stringify(options.secretFile)}`]),
		...(raftTiming === undefined
			? []
			: [
					`tickMs: ${raftTiming.tickMs}`,
					`electionTicks: ${raftTiming.electionTicks}`,
					`heartbeatTicks: ${raftTiming.heartbeatTicks}`,
				]),
		...(gossipTiming === undefined ? [] : [`gossip: ${JSON.stringify(gossipTiming)}`]),
		"nodes:",
	];
	for (const [i, id] of ids.entries()) {
		const at = (k: number) =>
			formatHostPort(options.host ?? "127.0.0.1", ports[i * perNode + k] as number);
		raft.set(id, at(0));
		api.set(id, `http://${at(1)}`);
		const fields = [`raft: "${at(0)}"`, `api: "${at(1)}"`];
		if (gossipTiming !== undefined) {
			gossip.set(id, at(2));
			fields.push(`gossip: "${at(2)}"`);
		}
		if (options.joiners?.includes(id)) fields.push("join: true");
		lines.push(`  ${id}: { ${fields.join(", ")} }`);
	}
	writeFileSync(path, `${lines.join("\n")}\n`);
	return { raft, api, gossip };
}
