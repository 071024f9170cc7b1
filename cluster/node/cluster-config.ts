/**
 * The control plane's cluster file (`node.ts --id N --config nodes.yaml`): every member's
 * Raft and API addresses, where each keeps its data, and the core's timing. Validated once
 * with valibot; a bad file is refused with the file and field named.
 *
 *   dataDir: ./data          # member N keeps its log in dataDir/node-N
 *   secretFile: ./cluster.secret  # optional; authenticates Raft and gossip peers
 *   tickMs: 50               # optional; elections take electionTicks..2x ticks
 *   electionTicks: 10
 *   heartbeatTicks: 2
 *   gossip:                  # optional SWIM timing (memberlist's LAN defaults otherwise)
 *     probeIntervalMs: 1000
 *     probeTimeoutMs: 500
 *     pushPullIntervalMs: 30000
 *   nodes:
 *     1: { raft: 127.0.0.1:2381, api: 127.0.0.1:2380, gossip: 127.0.0.1:2382 }
 *     2: { raft: 127.0.0.1:2391, api: 127.0.0.1:2390, gossip: 127.0.0.1:2392 }
 *     3: { raft: 127.0.0.1:2401, api: 127.0.0.1:2400, gossip: 127.0.0.1:2402 }
 *     4: { raft: 127.0.0.1:2411, api: 127.0.0.1:2410, join: true }
 *
 * A node with a `gossip` address also runs SWIM there (UDP and TCP on that port) and the
 * CRDT store that rides on it; its seeds are the other nodes' gossip addresses. A node
 * without one runs no gossip.
 *
 * `secretFile` names the POP's cluster secret (at least 32 bytes; relative to the working
 * directory, as dataDir is; NEURO_CLUSTER_SECRET_FILE overrides it): every Raft connection's
 * handshake and every gossip datagram is then authenticated with it
 * (cluster-secret-file.ts). Without one, a cluster of more than one node warns at start.
 *
 * The founding voters are the nodes without `join`. A `join: true` node is not in the
 * cluster when it first starts: it waits, taking no part, until an operator adds it
 * (`neuroctl members add 4 http://127.0.0.1:2410 127.0.0.1:2411 --learner`, then `members
 * promote 4`). Later its log says what it is, whatever the file says.
 */
import * as v from "valibot";
import { strictKeyMessage } from "../../edge/config/hosts.ts";
import { DEFAULT_SWIM_CONFIG } from "../gossip/config.ts";

const HostPort = v.pipe(
	v.string("must be host:port"),
	v.regex(/^[a-z0-9.-]+:\d{1,5}$/i, "must be host:port"),
	v.transform((text) => {
		const at = text.lastIndexOf(":");
		return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
	}),
	v.check((address) => address.port >= 1 && address.port <= 65_535, "port must be 1-65535"),
);

const Millis = v.pipe(
	v.number("must be a number"),
	v.integer("must be a whole number of ms"),
	v.minValue(1, "must be at least 1 ms"),
	v.maxValue(3_600_000, "must be at most an hour"),
);

/** The SWIM timing a cluster file may set; the rest of SwimConfig keeps its defaults. */
const GossipTimingSchema = v.pipe(
	v.strictObject(
		{
			probeIntervalMs: v.optional(Millis),
			probeTimeoutMs: v.optional(Millis),
			pushPullIntervalMs: v.optional(Millis),
		},
		strictKeyMessage,
	),
	// The core refuses a timeout that is not shorter than the period; say so here, naming the file.
	v.check(
		(t) =>
			(t.probeTimeoutMs ?? DEFAULT_SWIM_CONFIG.probeTimeoutMs) <
			(t.probeIntervalMs ?? DEFAULT_SWIM_CONFIG.probeIntervalMs),
		"probeTimeoutMs must be shorter than probeIntervalMs (defaults 500 and 1000)",
	),
);

const Ticks = v.pipe(
	v.number("must be a number"),
	v.integer("must be a whole number"),
	v.minValue(1),
);

const ClusterSchema = v.pipe(
	v.strictObject(
		{
			dataDir: v.pipe(v.string("must be a path"), v.minLength(1, "must be a path")),
			secretFile: v.optional(
				v.pipe(v.string("must be a file path"), v.minLength(1, "must be a file path")),
			),
			tickMs: v.optional(v.pipe(Ticks, v.maxValue(10_000)), 50),
			electionTicks: v.optional(Ticks, 10),
			heartbeatTicks: v.optional(Ticks, 2),
			gossip: v.optional(GossipTimingSchema, {}),
			nodes: v.pipe(
				v.record(
					v.pipe(v.string(), v.regex(/^[1-9]\d{0,8}$/, "a node id is a positive whole number")),
					v.strictObject(
						{
							raft: HostPort,
							api: HostPort,
							gossip: v.optional(HostPort),
							join: v.optional(v.boolean("must be true or false")),
						},
						strictKeyMessage,
					),
				),
				v.check(
					(nodes) => Object.values(nodes).some((node) => node.join !== true),
					"needs at least one founding node (one without join: true)",
				),
			),
		},
		strictKeyMessage,
	),
	v.check((c) => c.heartbeatTicks < c.electionTicks, "heartbeatTicks must be below electionTicks"),
	v.check(
		(c) => gossipAddressesDistinct(Object.values(c.nodes)),
		"nodes: each gossip address must differ from every node's raft, api and gossip addresses",
	),
);

/** Two sockets on one host:port cannot both listen: catch it in the file, not at start. */
function gossipAddressesDistinct(
	nodes: readonly {
		raft: { host: string; port: number };
		api: { host: string; port: number };
		gossip?: { host: string; port: number } | undefined;
	}[],
): boolean {
	const key = (a: { host: string; port: number }) => `${a.host}:${a.port}`;
	const others = nodes.flatMap((n) => [key(n.raft), key(n.api)]);
	const gossip = nodes.flatMap((n) => (n.gossip === undefined ? [] : [key(n.gossip)]));
	return new Set(gossip).size === gossip.length && !gossip.some((g) => others.includes(g));
}

export type ClusterConfig = v.InferOutput<typeof ClusterSchema>;

export class ClusterConfigError extends Error {
	override name = "ClusterConfigError";
}

export function parseClusterConfig(text: string, source: string): ClusterConfig {
	let raw: unknown;
	try {
		raw = Bun.YAML.parse(text);
	} catch (error) {
		throw new ClusterConfigError(`${source}: not valid YAML: ${(error as Error).message}`);
	}
	const result = v.safeParse(ClusterSchema, raw);
	if (!result.success) {
		const issue = result.issues[0];
		const path = issue.path?.map((p) => String(p.key)).join(".") || "(top level)";
		throw new ClusterConfigError(`${source}: ${path}: ${issue.message}`);
	}
	return result.output;
}

export async function loadClusterConfig(path: string, id: number): Promise<ClusterConfig> {
	const file = Bun.file(path);
	if (!(await file.exists())) throw new ClusterConfigError(`${path}: no such file`);
	const config = parseClusterConfig(await file.text(), path);
	if (config.nodes[String(id)] === undefined)
		throw new ClusterConfigError(`${path}: nodes: no node ${id} (--id must name one of them)`);
	return config;
}
