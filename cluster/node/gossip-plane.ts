/**
 * The gossip plane a node runs beside its Raft member: SWIM membership (GossipNode) with the
 * persistent CRDT store riding on it (the adapter is both the piggyback and the push-pull
 * hook). Opened from a GossipPlan (gossip-plan.ts); closed with a graceful leave, then a
 * last flush of the store. Membership changes are logged at INFO by GossipNode itself.
 */
import { CrdtGossipAdapter } from "../crdt/gossip-adapter.ts";
import { PersistentStore } from "../crdt/persistence.ts";
import { GossipNode, type GossipNodeStats } from "../gossip/gossip-node.ts";
import type { NodeMeta } from "../gossip/types.ts";
import type { GossipTraffic } from "../kv/crdt-api.ts";
import { type LogLevel, stderrLogger } from "../transport/log.ts";
import { type GossipPlan, peerToForget } from "./gossip-plan.ts";

export interface GossipPlane {
	readonly node: GossipNode;
	readonly crdt: PersistentStore;
	readonly adapter: CrdtGossipAdapter;
	/** host:port the others reach this node's gossip at. */
	readonly address: string;
	/**
	 * Says goodbye (the others mark us left instead of suspecting us), then flushes and
	 * closes the store (its directory lock released). Once; later calls share the first.
	 */
	close(): Promise<void>;
}

export async function startGossipPlane(
	plan: GossipPlan,
	meta: NodeMeta,
	logLevel: LogLevel = "info",
): Promise<GossipPlane> {
	const logger = stderrLogger(logLevel, `gossip ${plan.id}`);
	const crdt = await PersistentStore.open({
		dir: plan.crdtDir,
		node: plan.id,
		log: (level, message) => logger.log(level === "WARN" ? "warn" : "info", `crdt: ${message}`),
	});
	const adapter = new CrdtGossipAdapter(crdt.store, (level, message) =>
		logger.log(level === "WARN" ? "warn" : "info", `crdt: ${message}`),
	);
	let node: GossipNode;
	try {
		node = await GossipNode.start({
			id: plan.id,
			host: plan.listen.host,
			port: plan.listen.port,
			meta,
			config: plan.swim,
			logger,
			piggyback: adapter,
			appState: adapter,
			...(plan.secret === undefined ? {} : { secret: plan.secret }),
			// Above any incarnation the fleet may remember of an earlier run of this node, so a
			// restart is believed at once instead of after a refutation round.
			incarnation: Math.floor(Date.now() / 1000),
		});
	} catch (error) {
		await crdt.close();
		throw error;
	}
	node.onEvent((event) => {
		const gone = peerToForget(event);
		if (gone !== undefined && gone !== plan.id) adapter.forget(gone);
	});
	logger.log(
		"info",
		`CRDT store in ${plan.crdtDir} (replica ${crdt.store.replica}, ${crdt.recovery.keys} keys recovered)`,
	);
	// Seeds that are not up yet are retried by GossipNode while it finds itself alone.
	void node.join(plan.seeds).then((answered) => {
		if (plan.seeds.length > 0)
			logger.log("info", `joined through ${answered} of ${plan.seeds.length} seeds`);
	});
	let closing: Promise<void> | undefined;
	return {
		node,
		crdt,
		adapter,
		address: node.address,
		close() {
			closing ??= (async () => {
				await node.leave();
				await crdt.close();
				logger.log("info", "left the cluster; CRDT store flushed and closed");
			})();
			return closing;
		},
	};
}

/** The traffic figures the gossip routes report, from the node's own counters. */
export function gossipTraffic(stats: GossipNodeStats): GossipTraffic {
	return {
		packetsIn: stats.packetsIn,
		packetsOut: stats.packetsOut,
		bytesIn: stats.bytesIn,
		bytesOut: stats.bytesOut,
		pushPullBytesIn: stats.pushPullTraffic.bytesIn,
		pushPullBytesOut: stats.pushPullTraffic.bytesOut,
	};
}
