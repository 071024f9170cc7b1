/**
 * The Raft member a node runs beside its edge, with the control plane's HTTP API and the
 * member's own metrics and health routes on its API address. Either member N of a cluster
 * file (`--id N --config nodes.yaml`) or, for trying things out, a cluster of one
 * (`--data DIR`, what `npm start` runs). What the member applies reaches the node through
 * `NodeEffects`: committed purges purge its edge, and its own POP's replicated config (the
 * document there at start, then each change) goes to the node, which applies its routing
 * (cluster/node/pop-routing.ts). The gossip plane's routes (counters, registers, gossip
 * members) are served on the same API address when the node runs gossip. With an API token
 * every route on that address but the open ones takes it (kv/api-auth.ts); without one the
 * API is open and the member logs a WARN line saying so.
 */

import { join, resolve } from "node:path";
import type { Hono } from "hono";
import { formatHostPort } from "../../edge/http/host-port.ts";
import { type NativeRoutes, serveBun } from "../../edge/runtime/bun.ts";
import { withDefaultAuthority } from "../../edge/runtime/default-authority.ts";
import { guardNativeRoutes, unauthenticatedWarning } from "../kv/api-auth.ts";
import { createKvApp } from "../kv/http-app.ts";
import { createObserveApp } from "../kv/observe-app.ts";
import type { PopConfigMachine, PopConfigWatcher } from "../pop-config/machine.ts";
import type { PurgeEffect } from "../purge/machine.ts";
import type { NodeId } from "../raft/messages.ts";
import { LatencyHistogram } from "../raft-node/latency-histogram.ts";
import { logBytesOnDisk } from "../raft-node/log-bytes.ts";
import { RaftNode } from "../raft-node/raft-node.ts";
import type { ClusterSecret } from "../transport/cluster-secret.ts";
import type { LogLevel } from "../transport/log.ts";
import type { PeerTls } from "../transport/peer-tls.ts";
import type { ClusterConfig } from "./cluster-config.ts";
import type { TlsPem } from "./tls-files.ts";

interface HostPort {
	readonly host: string;
	readonly port: number;
}

/** Everything needed to run one member: who it is, who the others are, where its log goes. */

/**
 * The largest API request body: a KV value's 2^20 characters as JSON, each escaped to six
 * at worst, with room to spare. Bun's default, 128 MiB, was read whole before the 400.
 */
const API_BODY_MAX_BYTES = 8 * 2 ** 20;
export interface MemberPlan {
	readonly id: NodeId;
	readonly nodes: ReadonlyMap<NodeId, { readonly raft: HostPort; readonly api: HostPort }>;
	/** The founding voters: every node but those that join a running cluster later. */
	readonly founding: readonly NodeId[];
	/** This member's own log directory. */
	readonly dataDir: string;
	readonly tickMs: number;
	readonly electionTicks: number;
	readonly heartbeatTicks: number;
	/** The POP's cluster secret: the member's transport authenticates its peers with it. */
	readonly secret?: ClusterSecret;
	/** The API's certificate and key: every member's API is then served over HTTPS. */
	readonly apiTls?: TlsPem;
	/** TLS for the Raft transport: this node's certificate and key, and the peers' CA. */
	readonly peerTls?: PeerTls;
}

/** What the replicated state does to the node that hosts the member. */
export interface NodeEffects {
	/** A committed purge, carried out on this node's edge. */
	readonly purge: PurgeEffect;
	/** Purges were missed and cannot be replayed one by one: drop the whole edge cache. */
	readonly purgeEverything: () => void;
	/** This node's POP name: its replicated config goes to `popConfig`. */
	readonly pop: string;
	/**
	 * The POP's replicated document (null: none or deleted): the one the member holds once
	 * started (from its snapshot), if any, then every change as it is applied.
	 */
	readonly popConfig: PopConfigWatcher;
}

export interface ControlPlane {
	readonly member: RaftNode;
	readonly apiUrl: string;
	readonly dataDir: string;
	/**
	 * Stops accepting API requests, lets those in flight finish (up to `drainMs`; the member
	 * keeps running meanwhile so they can), then closes the member: its pending log writes
	 * finish, the transport and the log close.
	 */
	close(drainMs?: number): Promise<void>;
}

/** How long close() lets API requests in flight finish by default. */
const API_DRAIN_MS = 2000;

export function planFromConfig(
	config: ClusterConfig,
	id: NodeId,
	secret?: ClusterSecret,
): MemberPlan {
	return {
		...(secret === undefined ? {} : { secret }),
		id,
		nodes: new Map(
			Object.entries(config.nodes).map(([node, a]) => [Number(node), { raft: a.raft, api: a.api }]),
		),
		founding: Object.entries(config.nodes)
			.filter(([, a]) => a.join !== true)
			.map(([node]) => Number(node)),
		dataDir: join(resolve(config.dataDir), `node-${id}`),
		tickMs: config.tickMs,
		electionTicks: config.electionTicks,
		heartbeatTicks: config.heartbeatTicks,
	};
}

/**
 * A cluster of one: member 1, its log in `dataRoot/node-1` (the layout a cluster file's
 * dataDir has), Raft on any free port (no peer dials it), the API on `host:apiPort`.
 * Four ticks of 50 ms: alone, it wins its first election in 200-400 ms.
 */
export function singleNodePlan(
	dataRoot: string,
	host: string,
	apiPort: number,
	secret?: ClusterSecret,
): MemberPlan {
	return {
		...(secret === undefined ? {} : { secret }),
		id: 1,
		nodes: new Map([[1, { raft: { host, port: 0 }, api: { host, port: apiPort } }]]),
		founding: [1],
		dataDir: join(resolve(dataRoot), "node-1"),
		tickMs: 50,
		electionTicks: 4,
		heartbeatTicks: 1,
	};
}

/**
 * Hands `pop`'s document to `onChange`: the one `machine` holds now (restored from a
 * snapshot at start), if any, then every change. A throwing `onChange` is reported to
 * `onError` and never reaches the member's apply loop. Returns the way to stop.
 */
export function followPopConfig(
	machine: PopConfigMachine,
	pop: string,
	onChange: PopConfigWatcher,
	onError: (error: Error) => void,
): () => void {
	const call: PopConfigWatcher = (config, index) => {
		try {
			onChange(config, index);
		} catch (error) {
			onError(error as Error);
		}
	};
	// Read and watch in one synchronous turn: no change can fall between the two.
	const now = machine.get(pop).config;
	const stop = machine.watch(pop, call);
	if (now !== null) call(now, machine.appliedIndex);
	return stop;
}

export async function startControlPlane(
	plan: MemberPlan,
	log: (line: string) => void,
	logLevel: LogLevel = "info",
	effects?: NodeEffects,
	/** More routes served on the API address (the gossip plane's: kv/crdt-routes.ts). */
	routes?: { readonly app: Hono; readonly native?: NativeRoutes },
	/** The bearer token the API requires (the node's NEURO_ADMIN_TOKEN); none: it is open. */
	apiToken?: string,
): Promise<ControlPlane> {
	const self = plan.nodes.get(plan.id);
	if (self === undefined) throw new Error(`member ${plan.id} is not in its own plan`);
	const fsync = new LatencyHistogram();
	const member = await RaftNode.start({
		id: plan.id,
		voters: plan.founding,
		listen: self.raft,
		dataDir: plan.dataDir,
		tickMs: plan.tickMs,
		electionTicks: plan.electionTicks,
		heartbeatTicks: plan.heartbeatTicks,
		log,
		logLevel,
		wal: { onFsync: (ms) => fsync.record(ms) },
		...(plan.secret === undefined ? {} : { secret: plan.secret }),
		...(plan.peerTls === undefined ? {} : { tls: plan.peerTls }),
		...(effects
			? {
					purge: {
						effect: effects.purge,
						onGap: (after: number, through: number) => {
							log(
								`WARN raft member ${plan.id}: purges after index ${after} through ${through} were missed; dropping the whole edge cache`,
							);
							effects.purgeEverything();
						},
					},
				}
			: {}),
	});
	if (effects)
		followPopConfig(member.state.popConfig, effects.pop, effects.popConfig, (error) =>
			log(
				`WARN raft member ${plan.id}: POP ${effects.pop}'s replicated config was not taken: ${error.message}`,
			),
		);
	member.connect(new Map([...plan.nodes].map(([id, a]) => [id, a.raft])));
	// Filled once the API listens: with port 0 its own address is known only then.
	const apiAddresses = new Map<NodeId, string>();
	const kv = createKvApp(member, apiAddresses, { apiToken });
	const observe = createObserveApp({
		status: () => member.status(),
		logBytes: () => logBytesOnDisk(plan.dataDir),
		fsyncLatency: () => fsync.summary(),
	});
	kv.route("/", observe);
	if (routes !== undefined) kv.route("/", routes.app);
	let api: ReturnType<typeof serveBun>;
	try {
		// A request without Host (HTTP/1.0: a health check) under the API's own authority.
		api = serveBun((request) => kv.fetch(withDefaultAuthority(request, api)), {
			hostname: self.api.host,
			port: self.api.port,
			maxRequestBodyBytes: API_BODY_MAX_BYTES,
			tls: plan.apiTls,
			// Alone on its port: one member's log cannot be opened twice, so there is no
			// overlapping restart to allow, and a shared port would send a client's writes
			// to whichever server the kernel picked (another member, or an edge).
			reusePort: false,
			...(routes?.native === undefined
				? {}
				: { routes: guardNativeRoutes(routes.native, apiToken) }),
		});
	} catch (error) {
		await member.close();
		throw error;
	}
	// One cluster file for every member: with apiTls, every member's API speaks HTTPS.
	const scheme = plan.apiTls === undefined ? "http" : "https";
	const apiUrl = `${scheme}://${formatHostPort(self.api.host, api.port)}`;
	for (const [id, a] of plan.nodes)
		apiAddresses.set(
			id,
			id === plan.id ? apiUrl : `${scheme}://${formatHostPort(a.api.host, a.api.port)}`,
		);
	log(
		`INFO raft member ${plan.id}: API on ${apiUrl}, Raft on ${formatHostPort(self.raft.host, member.port)}`,
	);
	if (apiToken === undefined) log(unauthenticatedWarning(apiUrl));
	let closing: Promise<void> | undefined;
	return {
		member,
		apiUrl,
		dataDir: plan.dataDir,
		close(drainMs = API_DRAIN_MS) {
			closing ??= (async () => {
				const drained = await api.drain(drainMs);
				await member.close();
				log(
					`INFO raft member ${plan.id}: stopped (${drained.drained ? "every API request answered" : `${drained.abandoned} API request(s) cut off`}; log closed)`,
				);
			})();
			return closing;
		},
	};
}
