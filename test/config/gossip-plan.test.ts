/** The gossip plane's plan (cluster/node/gossip-plan.ts): seeds, directories, timing, meta, forgetting. */
import { describe, expect, test } from "bun:test";
import type { Member } from "../../cluster/gossip/types.ts";
import { parseClusterConfig } from "../../cluster/node/cluster-config.ts";
import { planFromConfig } from "../../cluster/node/control-plane.ts";
import {
	gossipPlanFromConfig,
	nodeMeta,
	peerToForget,
	singleNodeGossipPlan,
} from "../../cluster/node/gossip-plan.ts";

const FILE = `
dataDir: /srv/neuro
gossip: { probeIntervalMs: 150, probeTimeoutMs: 75 }
nodes:
  1: { raft: "127.0.0.1:2381", api: "127.0.0.1:2380", gossip: "127.0.0.1:2382" }
  2: { raft: "127.0.0.1:2391", api: "127.0.0.1:2390", gossip: "127.0.0.1:2392" }
  3: { raft: "127.0.0.1:2401", api: "127.0.0.1:2400", gossip: "127.0.0.1:2402" }
  4: { raft: "127.0.0.1:2411", api: "127.0.0.1:2410" }
`;

describe("gossip plan", () => {
	const config = parseClusterConfig(FILE, "nodes.yaml");

	test("a node with a gossip address: the others' addresses as seeds, store beside its log", () => {
		const plan = gossipPlanFromConfig(config, 2, planFromConfig(config, 2).dataDir);
		expect(plan).toEqual({
			id: 2,
			listen: { host: "127.0.0.1", port: 2392 },
			seeds: ["127.0.0.1:2382", "127.0.0.1:2402"],
			crdtDir: "/srv/neuro/node-2/crdt",
			swim: { probeIntervalMs: 150, probeTimeoutMs: 75 },
		});
	});

	test("a node without one runs no gossip", () => {
		expect(gossipPlanFromConfig(config, 4, "/srv/neuro/node-4")).toBeUndefined();
	});

	test("timing the file leaves out is not passed on (the core's defaults stand)", () => {
		const bare = parseClusterConfig(
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2, gossip: a:3 }",
			"nodes.yaml",
		);
		expect(gossipPlanFromConfig(bare, 1, "d/node-1")?.swim).toEqual({});
	});

	test("the cluster of one gossips on any free port with no seeds", () => {
		expect(singleNodeGossipPlan("/tmp/data/node-1", "127.0.0.1")).toEqual({
			id: 1,
			listen: { host: "127.0.0.1", port: 0 },
			seeds: [],
			crdtDir: "/tmp/data/node-1/crdt",
			swim: {},
		});
	});

	test("metadata names the role, POP, edge and Raft addresses", () => {
		expect(nodeMeta("ams1", "127.0.0.1:8080", "")).toEqual({
			role: "control",
			pop: "ams1",
			edgeAddress: "127.0.0.1:8080",
			raftAddress: "",
		});
	});

	test("only a dead or departed peer is forgotten", () => {
		const member: Member = {
			id: 3,
			address: "127.0.0.1:2402",
			incarnation: 1,
			state: "dead",
			meta: nodeMeta("", "", ""),
			changedAt: 0,
		};
		expect(peerToForget({ kind: "dead", member, previous: "suspect" })).toBe(3);
		expect(peerToForget({ kind: "left", member, previous: "alive" })).toBe(3);
		for (const kind of ["alive", "suspect", "meta"] as const)
			expect(peerToForget({ kind, member, previous: "alive" })).toBeUndefined();
	});
});
