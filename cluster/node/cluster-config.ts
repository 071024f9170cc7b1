/**
 * The control plane's cluster file (`node.ts --id N --config nodes.yaml`): every member's
 * Raft and API addresses, where each keeps its data, and the core's timing. Validated once
 * with valibot; a bad file is refused with the file and field named.
 *
 *   dataDir: ./data          # member N keeps its log in dataDir/node-N
 *   secretFile: ./cluster.secret  # optional; authenticates Raft and gossip peers
 *   apiTls: { cert: ./api.crt, key: ./api.key }  # optional; the API over HTTPS
 *   peerTls: { cert: ./node.crt, key: ./node.key, ca: ./ca.crt }  # optional; Raft over TLS
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
 * An IPv6 address goes in brackets, as in a URL: `raft: "[::1]:2381"` (quoted: YAML reads
 * a bare `[` as the start of a list).
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
 * `apiTls` serves every member's API over HTTPS with that certificate and key (PEM files,
 * relative to each node's working directory, so each node may hold its own): its URLs are
 * then https ones, and neuroctl verifies them against the CA its --ca-file names.
 *
 * `peerTls` runs the Raft transport over TLS: each node presents its certificate and key,
 * and dials its peers trusting only `ca`, checking the host it dials against the peer's
 * certificate. Gossip stays authenticated by the secret, not encrypted.
 *
 * The founding voters are the nodes without `join`. A `join: true` node is not in the
 * cluster when it first starts: it waits, taking no part, until an operator adds it
 * (`neuroctl members add 4 http://127.0.0.1:2410 127.0.0.1:2411 --learner`, then `members
 * promote 4`). Later its log says what it is, whatever the file says.
 */
import { readFile } from "node:fs/promises";
import * as v from "valibot";
import { strictKeyMessage } from "../../edge/config/hosts.ts";
import { HOST_PORT, parseHostPort } from "../../edge/http/host-port.ts";
import { DEFAULT_SWIM_CONFIG } from "../gossip/config.ts";
import { addressClash } from "./address-clash.ts";
import { parseStrictYaml } from "./strict-yaml.ts";

/** `host:port`, or `[v6]:port` (an IPv6 literal in brackets, as in a URL). */
const HostPort = v.pipe(
	v.string("must be host:port or [IPv6]:port"),
	v.regex(HOST_PORT, "must be host:port or [IPv6]:port"),
	v.transform((text) => parseHostPort(text) as { host: string; port: number }),
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

const FilePath = v.pipe(v.string("must be a file path"), v.minLength(1, "must be a file path"));

/** A certificate and its key, PEM files: apiTls's and peerTls's own. */
const CERT_AND_KEY = { cert: FilePath, key: FilePath };

const Ticks = v.pipe(
	v.number("must be a number"),
	v.integer("must be a whole number"),
	v.minValue(1),
);

const ClusterSchema = v.pipe(
	v.strictObject(
		{
			dataDir: v.pipe(v.string("must be a path"), v.minLength(1, "must be a path")),
			secretFile: v.optional(FilePath),
			apiTls: v.optional(v.strictObject(CERT_AND_KEY, strictKeyMessage)),
			peerTls: v.optional(v.strictObject({ ...CERT_AND_KEY, ca: FilePath }, strictKeyMessage)),
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
		(c) => c.electionTicks * c.tickMs <= MAX_ELECTION_MS,
		(issue) =>
			`electionTicks x tickMs (the least election timeout) must be at most ${MAX_ELECTION_MS} ms, got ${issue.input.electionTicks} x ${issue.input.tickMs}`,
	),
	v.check(
		(c) => addressClash(c.nodes) === undefined,
		(issue) => `nodes: ${addressClash(issue.input.nodes)}`,
	),
);

/**
 * A minute: a leader lost is noticed only after this long, and no cluster waits so long on
 * purpose (etcd refuses more than 50 s). A larger product is a typo, such as ticks given
 * in ms.
 */
const MAX_ELECTION_MS = 60_000;

export type ClusterConfig = v.InferOutput<typeof ClusterSchema>;

export class ClusterConfigError extends Error {
	override name = "ClusterConfigError";
}

export function parseClusterConfig(text: string, source: string): ClusterConfig {
	// strict-yaml.ts: also a key given twice (node 1 listed twice would lose its first entry).
	const parsed = parseStrictYaml(text);
	if (!parsed.ok) throw new ClusterConfigError(`${source}: ${parsed.message}`);
	const result = v.safeParse(ClusterSchema, parsed.value);
	if (!result.success) {
		const issue = result.issues[0];
		const path = issue.path?.map((p) => String(p.key)).join(".") || "(top level)";
		throw new ClusterConfigError(`${source}: ${path}: ${issue.message}`);
	}
	return result.output;
}

export async function loadClusterConfig(path: string, id: number): Promise<ClusterConfig> {
	let text: string;
	try {
		text = await readFile(path, "utf8");
	} catch (error) {
		// A directory, a missing file, one not readable: the errno says which.
		const { code, message } = error as NodeJS.ErrnoException;
		throw new ClusterConfigError(
			`${path}: cannot read the cluster file: ${code === "ENOENT" ? "no such file" : (code ?? message)}`,
		);
	}
	const config = parseClusterConfig(text, path);
	if (config.nodes[String(id)] === undefined)
		throw new ClusterConfigError(`${path}: nodes: no node ${id} (--id must name one of them)`);
	return config;
}
