/**
 * The POP node: the edge proxy over the L0 memory tier, plus the node's status routes.
 * With no origin given it also starts the demo origin, so `npm start` shows a working CDN.
 * The same file is the entry of the POP binaries (scripts/build-pop.ts), which carry their
 * POP config baked in (cluster/node/build-info.ts). With `--id N --config nodes.yaml` it also
 * runs Raft member N of that cluster, with `--data DIR` (what `npm start` passes) a cluster
 * of one; either starts beside the edge without holding up its listen. A node with a gossip
 * address in the cluster file (and the cluster of one, on any free port) also runs the
 * gossip plane: SWIM membership and the CRDT store on it, started once the edge listens.
 * Flags: USAGE in cluster/node/flags.ts.
 */
import { Hono } from "hono";
import { crdtApi, type GossipSource, type GossipView } from "./cluster/kv/crdt-routes.ts";
import {
	AccessLogError,
	type LineSink,
	openAccessLog,
	withAccessLog,
} from "./cluster/node/access-log.ts";
import { bakedBuild, versionLine } from "./cluster/node/build-info.ts";
import { ClusterConfigError, loadClusterConfig } from "./cluster/node/cluster-config.ts";
import { resolveClusterSecret } from "./cluster/node/cluster-secret-file.ts";
import {
	type ControlPlane,
	type MemberPlan,
	planFromConfig,
	singleNodePlan,
	startControlPlane,
} from "./cluster/node/control-plane.ts";
import { controlPlaneHints } from "./cluster/node/control-plane-hints.ts";
import { FlagError, type NodeFlags, parseNodeFlags } from "./cluster/node/flags.ts";
import {
	type GossipPlan,
	gossipPlanFromConfig,
	nodeMeta,
	singleNodeGossipPlan,
} from "./cluster/node/gossip-plan.ts";
import { type GossipPlane, gossipTraffic, startGossipPlane } from "./cluster/node/gossip-plane.ts";
import { loadHostsFile } from "./cluster/node/hosts-file.ts";
import { createNodeEdge, followRouting } from "./cluster/node/node-edge.ts";
import type { StartupRouting } from "./cluster/node/pop-routing.ts";
import {
	clusterApiTls,
	clusterPeerTls,
	loadTlsFiles,
	type TlsPem,
} from "./cluster/node/tls-files.ts";
import { TransportListenError } from "./cluster/transport/transport.ts";
import {
	WalCorruptError,
	WalDirError,
	WalLockedError,
	WalSnapshotError,
} from "./cluster/wal/errors.ts";
import { type HostsConfig, HostsConfigError } from "./edge/config/hosts.ts";
import { RoutesHolder } from "./edge/config/routes-holder.ts";
import { createDemoOrigin } from "./edge/demo-origin.ts";
import { formatHostPort } from "./edge/http/host-port.ts";
import { originForLog } from "./edge/http/userinfo.ts";
import type { Purger } from "./edge/purge.ts";
import {
	type BunServer,
	drainOnSignals,
	idleTimeoutFor,
	ListenError,
	serveBun,
} from "./edge/runtime/bun.ts";
import { withDefaultAuthority } from "./edge/runtime/default-authority.ts";
import { createStatusApp } from "./edge/status-app.ts";
import { createL0, largeStoreSummary } from "./edge/store/l0.ts";
import { createSlab } from "./native/index.ts";
import packageJson from "./package.json" with { type: "json" };

/** At most this long a SIGTERM lets the control plane's API requests in flight finish. */
const CONTROL_DRAIN_MS = 5000;

function fail(message: string): never {
	console.error(message);
	process.exit(2);
}

/** The routes to origins, and the demo origin's server when we started one. */
async function resolveRoutes(
	flags: NodeFlags,
): Promise<{ routes: HostsConfig; demo?: ReturnType<typeof Bun.serve> }> {
	if (flags.hosts !== undefined) return { routes: await loadHostsFile(flags.hosts) };
	if (flags.origin !== undefined) return { routes: { hosts: {}, default: flags.origin } };
	if (flags.routes !== undefined) return { routes: flags.routes };
	const demo = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createDemoOrigin().app.fetch });
	return { routes: { hosts: {}, default: `http://127.0.0.1:${demo.port}` }, demo };
}

async function main(): Promise<void> {
	const build = bakedBuild();
	let flags: NodeFlags;
	let tls: TlsPem | undefined;
	let resolved: Awaited<ReturnType<typeof resolveRoutes>>;
	try {
		flags = parseNodeFlags(Bun.argv.slice(2), process.env, build?.pop);
		if (flags.version) {
			console.log(versionLine(packageJson.version, build));
			process.exit(0);
		}
		tls = flags.tls === undefined ? undefined : loadTlsFiles(flags.tls);
		resolved = await resolveRoutes(flags);
	} catch (error) {
		if (error instanceof FlagError || error instanceof HostsConfigError) fail(error.message);
		throw error;
	}
	let plan: MemberPlan | undefined;
	let gossipPlan: GossipPlan | undefined;
	try {
		// The cluster file is checked before anything listens: a bad one is a usage error.
		if (flags.cluster !== undefined) {
			const { id, configPath } = flags.cluster;
			const config = await loadClusterConfig(configPath, id);
			// So is the cluster secret: a missing or short one stops the start (exit 2).
			const { secret, lines } = await resolveClusterSecret(process.env, {
				secretFile: config.secretFile,
				configPath,
				nodeCount: Object.keys(config.nodes).length,
			});
			for (const line of lines) console.error(line);
			plan = planFromConfig(config, id, secret);
			if (config.apiTls !== undefined)
				plan = { ...plan, apiTls: clusterApiTls(config.apiTls, configPath) };
			if (config.peerTls !== undefined)
				plan = { ...plan, peerTls: clusterPeerTls(config.peerTls, configPath) };
			gossipPlan = gossipPlanFromConfig(config, id, plan.dataDir, secret);
		} else if (flags.singleNode !== undefined) {
			const { secret, lines } = await resolveClusterSecret(process.env);
			for (const line of lines) console.error(line);
			const { dataDir, apiPort } = flags.singleNode;
			plan = singleNodePlan(dataDir, flags.host, apiPort, secret);
			gossipPlan = singleNodeGossipPlan(plan.dataDir, flags.host, secret);
		}
	} catch (error) {
		if (error instanceof ClusterConfigError) fail(error.message);
		throw error;
	}
	// The routes new requests go by: the ones resolved at start, until the POP's replicated
	// config replaces them (unless a flag pinned them; cluster/node/pop-routing.ts).
	const routes = new RoutesHolder(resolved.routes);
	let startup: StartupRouting = {
		pop: flags.pop,
		routes: resolved.routes,
		pinnedBy: flags.routingPinnedBy,
		listen: { host: flags.host, port: flags.port },
		memoryMb: flags.memoryMb,
		largeMb: flags.largeMb,
	};
	// Committed purges go to this process's edge once it exists; before that its cache is
	// empty and there is nothing to purge.
	let edgePurge: Purger | undefined;
	let dropEdgeCache: (() => Promise<number>) | undefined;
	const logLine = (line: string) => console.error(line);
	// One secret for the edge's admin routes and the control plane's API; empty is unset.
	const adminToken = process.env.NEURO_ADMIN_TOKEN || undefined;
	const effects = {
		pop: flags.pop,
		popConfig: followRouting(routes, () => startup, logLine),
		purge: (purge: Parameters<Purger>[0], index: number) => {
			edgePurge?.(purge).catch((error: unknown) =>
				logLine(`WARN purge at index ${index} failed on this edge: ${(error as Error).message}`),
			);
		},
		purgeEverything: () => {
			dropEdgeCache?.().catch((error: unknown) =>
				logLine(`WARN dropping the edge cache failed: ${(error as Error).message}`),
			);
		},
	};
	// The gossip plane starts once the edge listens (its metadata names the edge's address);
	// until then its routes answer 503 gossip-starting.
	let gossip: GossipPlane | undefined;
	// Built once when the plane starts: the routes ask for it on every request.
	let gossipView: GossipView | undefined;
	const gossipSource: GossipSource = () =>
		gossipPlan === undefined ? "off" : (gossipView ?? "starting");
	// The member opens its log and listens while the edge gets ready; awaited after the edge
	// listens, so the control plane never delays the first request the edge can serve.
	const controlStarting =
		plan === undefined
			? undefined
			: startControlPlane(
					plan,
					logLine,
					flags.logLevel,
					effects,
					crdtApi(gossipSource),
					adminToken,
				);
	// A failed start is reported below; this keeps it from counting as unhandled meanwhile.
	controlStarting?.catch(() => {});
	const slab = await createSlab({
		capacityBytes: flags.memoryMb * 2 ** 20,
		implementation: flags.slab,
	});
	const { memory: tier, large, storage } = createL0(slab, flags.largeMb * 2 ** 20);
	const edge = createNodeEdge({
		tier: storage,
		routes,
		pop: flags.pop,
		originTimeoutMs: flags.originTimeoutMs,
		lockTimeouts: flags.lock,
		staleIfUnreachableSeconds: flags.staleIfUnreachableSeconds,
		adminToken,
		// Asked only for requests that go to the origin, by which time the server listens.
		clientAddress: (request) => server?.clientAddress(request),
	});
	// Replicated purges go through the edge, as /_neuro/purge does: objects and marks alike.
	edgePurge = edge.purge;
	dropEdgeCache = edge.purgeEverything;
	const app = new Hono();
	app.route(
		"/",
		createStatusApp({
			tier,
			large,
			version: packageJson.version,
			startedAt: Date.now(),
			adminToken,
			// What a rolling restart waits for: this process, running exactly this build.
			instance: { pid: process.pid, build: versionLine(packageJson.version, build) },
		}),
	);
	app.route("/", edge.app);
	// Proxied requests skip the router (edge.direct); /_neuro/ routes and the rest go through
	// it, a request without Host (HTTP/1.0) under this server's own authority.
	const handle = (request: Request) =>
		edge.direct(request) ?? app.fetch(withDefaultAuthority(request, server));
	let accessLog: LineSink | undefined;
	try {
		accessLog = flags.accessLog === undefined ? undefined : openAccessLog(flags.accessLog);
	} catch (error) {
		if (error instanceof AccessLogError) fail(`--access-log: ${error.message}`);
		throw error;
	}
	const fetch = accessLog === undefined ? handle : withAccessLog(handle, accessLog);
	let server: BunServer | undefined;
	try {
		server = serveBun(fetch, {
			hostname: flags.host,
			port: flags.port,
			tls,
			http2: flags.http2,
			http3: flags.http3,
			idleTimeoutSeconds: idleTimeoutFor(flags.originTimeoutMs, flags.lock.readerWaitMs),
			joinHeldPort: flags.takeover,
		});
	} catch (error) {
		// A port another process serves on (unless NEURO_TAKEOVER=1), or a --host not here.
		if (error instanceof ListenError) fail(`--host/--port: ${error.message}`);
		throw error;
	}
	startup = { ...startup, listen: { host: flags.host, port: server.port } };
	const selfRaft = plan?.nodes.get(plan.id)?.raft;
	const meta = nodeMeta(
		flags.pop,
		formatHostPort(flags.host, server.port),
		// Port 0 (the cluster of one): known once the member listens, announced then.
		selfRaft === undefined || selfRaft.port === 0
			? ""
			: formatHostPort(selfRaft.host, selfRaft.port),
	);
	const gossipStarting =
		gossipPlan === undefined ? undefined : startGossipPlane(gossipPlan, meta, flags.logLevel);
	gossipStarting?.catch(() => {});
	// Before the "edge on" line: whoever reads it may send SIGTERM at once, and must get a drain.
	let control: ControlPlane | undefined;
	drainOnSignals({
		server,
		drainMs: flags.drainMs,
		// The control plane's API stops accepting at the signal too; its member closes once
		// the API requests in flight are answered (pending log writes finish first).
		// Gossip says goodbye (others mark this node left, not dead) and flushes its store.
		stopBeside: async () => {
			const closeControl = async () => {
				const started = await controlStarting?.catch(() => undefined);
				await started?.close(Math.min(flags.drainMs, CONTROL_DRAIN_MS));
			};
			const closeGossip = async () => {
				const started = await gossipStarting?.catch(() => undefined);
				await started?.close();
			};
			await Promise.all([closeControl(), closeGossip()]);
		},
		// The demo origin outlives the drain: requests in flight may still be forwarding to it.
		afterDrain: async () => {
			resolved.demo?.stop(true);
			tier.close();
			await accessLog?.end();
		},
		log: (line) => console.error(line),
	});
	const scheme = tls === undefined ? "http" : "https";
	const base = `${scheme}://${formatHostPort(flags.host, server.port)}`;
	const origin =
		resolved.routes.default === undefined
			? "(per host, from the hosts file)"
			: originForLog(resolved.routes.default);
	const protocols = ["http/1.1", flags.http2 && "h2", flags.http3 && "h3"].filter(Boolean);
	console.error(
		`INFO neurocache ${packageJson.version} pop ${flags.pop}: edge on ${base} (${protocols.join(", ")}), origin ${origin} (L0 ${flags.memoryMb} MiB, ${slab.kind} slab), ${largeStoreSummary(flags.largeMb)}`,
	);
	if (resolved.demo !== undefined) {
		console.error(`INFO no --origin given: serving the built-in demo origin at ${origin}. Try:`);
		console.error(`  curl -si ${base}/pages/1 | grep -i cache-status     # fwd=uri-miss, then hit`);
		console.error(`  curl -si -H 'Accept-Language: fr' ${base}/api/greeting   # a Vary variant`);
		console.error(`  curl -si ${base}/api/time | grep -i cache-status    # no-store: never stored`);
		console.error(`  curl -s ${base}/_neuro/metrics | head`);
	}
	if (controlStarting === undefined) return;
	try {
		control = await controlStarting;
	} catch (error) {
		if (error instanceof ListenError) fail(`control plane: ${error.message}`);
		if (error instanceof TransportListenError) fail(`control plane: ${error.message}`);
		if (error instanceof WalLockedError) fail(`control plane: ${error.message}`);
		// A data dir under a file, on a read-only filesystem, or that is itself a file.
		if (error instanceof WalDirError) fail(`control plane: ${error.message}`);
		// A damaged log is never repaired silently: the operator decides (restore the data dir
		// from a backup, or wipe it and let the member catch up from the others).
		if (error instanceof WalCorruptError || error instanceof WalSnapshotError)
			fail(`control plane: the log in ${plan?.dataDir} is damaged: ${error.message}`);
		throw error;
	}
	try {
		const running = await gossipStarting;
		gossip = running;
		if (running !== undefined && gossipPlan !== undefined)
			gossipView = {
				self: gossipPlan.id,
				store: running.crdt.store,
				members: () => running.node.members(),
				traffic: () => gossipTraffic(running.node.stats),
			};
	} catch (error) {
		// As for the Raft log: a damaged CRDT store is named with its directory, never repaired.
		if (error instanceof WalCorruptError || error instanceof WalSnapshotError)
			fail(`gossip plane: the CRDT store in ${gossipPlan?.crdtDir} is damaged: ${error.message}`);
		// A gossip port taken, or a CRDT directory another live process holds.
		fail(`gossip plane: ${(error as Error).message}`);
	}
	if (gossip !== undefined && meta.raftAddress === "")
		gossip.node.updateMeta({
			...meta,
			raftAddress: formatHostPort(flags.host, control.member.port),
		});
	if (flags.singleNode !== undefined)
		for (const line of controlPlaneHints(control.apiUrl, control.dataDir, gossip?.address))
			console.error(line);
}

await main();
