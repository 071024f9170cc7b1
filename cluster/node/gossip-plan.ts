/**
 * What a node's gossip plane needs to start, worked out from the cluster file (or the
 * single-node defaults) before anything listens: where SWIM binds, whom it joins through,
 * where the CRDT store keeps its log, SWIM's timing, and what the node tells the fleet
 * about itself. Pure: no sockets, no files.
 */
import { join } from "node:path";
import { formatHostPort } from "../../edge/http/host-port.ts";
import type { SwimConfig } from "../gossip/config.ts";
import type { MembershipEvent } from "../gossip/output.ts";
import type { NodeId, NodeMeta } from "../gossip/types.ts";
import type { ClusterSecret } from "../transport/cluster-secret.ts";
import type { ClusterConfig } from "./cluster-config.ts";

export interface GossipPlan {
	readonly id: NodeId;
	/** Where SWIM binds UDP and TCP (port 0: any free one). */
	readonly listen: { readonly host: string; readonly port: number };
	/** The other nodes' gossip addresses (`host:port`), joined at start and whenever alone. */
	readonly seeds: readonly string[];
	/** The CRDT store's own directory, beside the Raft log (which ignores subdirectories). */
	readonly crdtDir: string;
	readonly swim: Partial<SwimConfig>;
	/** The POP's cluster secret: every datagram and push-pull is tagged with it. */
	readonly secret?: ClusterSecret;
}

/** The CRDT store lives in `crdt/` inside the member's own data directory. */
export function crdtDirOf(memberDataDir: string): string {
	return join(memberDataDir, "crdt");
}

/**
 * Node `id`'s gossip plan, or undefined when the file gives it no `gossip` address (it then
 * runs no gossip). Seeds are every other node's gossip address; nodes without one are not
 * seeds.
 */
export function gossipPlanFromConfig(
	config: ClusterConfig,
	id: NodeId,
	memberDataDir: string,
	secret?: ClusterSecret,
): GossipPlan | undefined {
	const self = config.nodes[String(id)];
	if (self?.gossip === undefined) return undefined;
	const seeds = Object.entries(config.nodes)
		.filter(([node]) => Number(node) !== id)
		.flatMap(([, n]) =>
			n.gossip === undefined ? [] : [formatHostPort(n.gossip.host, n.gossip.port)],
		);
	return {
		id,
		listen: self.gossip,
		seeds,
		crdtDir: crdtDirOf(memberDataDir),
		swim: definedOnly(config.gossip),
		...(secret === undefined ? {} : { secret }),
	};
}

/** The timing fields the file sets, without the absent ones (the core's defaults stand). */
function definedOnly(timing: ClusterConfig["gossip"]): Partial<SwimConfig> {
	const swim: { -readonly [K in keyof SwimConfig]?: number } = {};
	for (const [field, value] of Object.entries(timing))
		if (value !== undefined) swim[field as keyof SwimConfig] = value;
	return swim;
}

/** `--data DIR`: node 1 alone, gossip on any free port of `host`, no seeds. */
export function singleNodeGossipPlan(
	memberDataDir: string,
	host: string,
	secret?: ClusterSecret,
): GossipPlan {
	return {
		id: 1,
		listen: { host, port: 0 },
		seeds: [],
		crdtDir: crdtDirOf(memberDataDir),
		swim: {},
		...(secret === undefined ? {} : { secret }),
	};
}

/**
 * What this node announces. Every node that runs gossip here also runs a Raft member, so
 * its role is `control`; an address not known yet is "" (and announced later with
 * updateMeta).
 */
export function nodeMeta(pop: string, edgeAddress: string, raftAddress: string): NodeMeta {
	return { role: "control", pop, edgeAddress, raftAddress };
}

/**
 * The peer whose CRDT bookkeeping (acks owed, repairs queued, its place in the delta
 * buffer) can go: one declared dead or gone by its own leave. If it comes back it is a
 * peer never heard from, and gets full states, which is always safe.
 */
export function peerToForget(event: MembershipEvent): NodeId | undefined {
	return event.kind === "dead" || event.kind === "left" ? event.member.id : undefined;
}
