import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	ClusterConfigError,
	loadClusterConfig,
	parseClusterConfig,
} from "../../cluster/node/cluster-config.ts";
import { planFromConfig } from "../../cluster/node/control-plane.ts";

const GOOD = `
dataDir: ./data
nodes:
  1: { raft: "127.0.0.1:2381", api: "127.0.0.1:2380" }
  2: { raft: "127.0.0.1:2391", api: "127.0.0.1:2390" }
  3: { raft: "127.0.0.1:2401", api: "127.0.0.1:2400", join: true }
`;

describe("cluster file", () => {
	test("defaults the timing; join: true nodes are not founding voters", () => {
		const config = parseClusterConfig(GOOD, "nodes.yaml");
		expect(config).toMatchObject({ tickMs: 50, electionTicks: 10, heartbeatTicks: 2 });
		const plan = planFromConfig(config, 3);
		expect(plan.founding).toEqual([1, 2]);
		expect([...plan.nodes.keys()]).toEqual([1, 2, 3]);
		expect(plan.nodes.get(3)).toEqual({
			raft: { host: "127.0.0.1", port: 2401 },
			api: { host: "127.0.0.1", port: 2400 },
		});
		expect(plan.dataDir.endsWith("/data/node-3")).toBe(true);
	});

	test("an IPv6 address is written in brackets and read without them", () => {
		const config = parseClusterConfig(
			'dataDir: d\nnodes:\n  1: { raft: "[::1]:2381", api: "[fd00::2]:2380", gossip: "[::1]:2382" }\n',
			"nodes.yaml",
		);
		expect(config.nodes["1"]).toEqual({
			raft: { host: "::1", port: 2381 },
			api: { host: "fd00::2", port: 2380 },
			gossip: { host: "::1", port: 2382 },
		});
	});

	test.each([
		["not YAML", "nodes: [", /nodes.yaml: not valid YAML/],
		[
			"an IPv6 address without brackets",
			'dataDir: d\nnodes:\n  1: { raft: "::1:2381", api: a:2 }',
			/nodes.1.raft: must be host:port or \[IPv6\]:port/,
		],
		[
			"brackets around something that is not IPv6",
			'dataDir: d\nnodes:\n  1: { raft: "[host]:2381", api: a:2 }',
			/nodes.1.raft: must be host:port or \[IPv6\]:port/,
		],
		["no dataDir", "nodes:\n  1: { raft: a:1, api: a:2 }", /nodes.yaml: dataDir: /],
		[
			"a bad address",
			"dataDir: d\nnodes:\n  1: { raft: nowhere, api: a:2 }",
			/nodes.1.raft: must be host:port/,
		],
		[
			"port 0",
			"dataDir: d\nnodes:\n  1: { raft: a:0, api: a:2 }",
			/nodes.1.raft: port must be 1-65535/,
		],
		[
			"a bad id",
			"dataDir: d\nnodes:\n  x: { raft: a:1, api: a:2 }",
			/a node id is a positive whole number/,
		],
		["an unknown field", "dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2, vote: 1 }", /nodes.1/],
		[
			"join not a boolean",
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2 }\n  2: { raft: a:3, api: a:4, join: yes please }",
			/nodes.2.join: must be true or false/,
		],
		[
			"only joiners",
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2, join: true }",
			/needs at least one founding node/,
		],
		[
			"heartbeat not below election",
			"dataDir: d\nheartbeatTicks: 5\nelectionTicks: 5\nnodes:\n  1: { raft: a:1, api: a:2 }",
			/heartbeatTicks must be below electionTicks/,
		],
		[
			"an absurd election timeout",
			"dataDir: d\nelectionTicks: 1000000000000\nnodes:\n  1: { raft: a:1, api: a:2 }",
			/electionTicks x tickMs \(the least election timeout\) must be at most 60000 ms, got 1000000000000 x 50/,
		],
		[
			"two nodes on one raft address",
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2 }\n  2: { raft: a:1, api: a:4 }",
			/nodes: a:1 is both node 1's raft and node 2's raft address/,
		],
		[
			"two nodes on one api address",
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2 }\n  2: { raft: a:3, api: a:2 }",
			/nodes: a:2 is both node 1's api and node 2's api address/,
		],
		[
			"a node's raft address on its own api",
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:1 }",
			/nodes: a:1 is both node 1's raft and node 1's api address/,
		],
		[
			"one node id twice",
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2 }\n  1: { raft: a:3, api: a:4 }",
			/nodes.yaml: line 4: nodes.1: written twice/,
		],
		[
			"one node id twice, once quoted",
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2 }\n  '1': { raft: a:3, api: a:4 }",
			/nodes.yaml: line 4: nodes.1: written twice/,
		],
		[
			"a top-level field twice",
			"dataDir: d\ndataDir: e\nnodes:\n  1: { raft: a:1, api: a:2 }",
			/nodes.yaml: line 2: dataDir: written twice/,
		],
	])("%s is refused with the field named", (_name, text, message) => {
		expect(() => parseClusterConfig(text, "nodes.yaml")).toThrow(ClusterConfigError);
		expect(() => parseClusterConfig(text, "nodes.yaml")).toThrow(message);
	});
});

describe("cluster file: gossip", () => {
	const WITH_GOSSIP = `
dataDir: ./data
gossip: { probeIntervalMs: 200, probeTimeoutMs: 100 }
nodes:
  1: { raft: "127.0.0.1:2381", api: "127.0.0.1:2380", gossip: "127.0.0.1:2382" }
  2: { raft: "127.0.0.1:2391", api: "127.0.0.1:2390", gossip: "127.0.0.1:2392" }
  3: { raft: "127.0.0.1:2401", api: "127.0.0.1:2400" }
`;

	test("gossip addresses and timing are read; the rest keeps SWIM's defaults", () => {
		const config = parseClusterConfig(WITH_GOSSIP, "nodes.yaml");
		expect(config.gossip).toEqual({ probeIntervalMs: 200, probeTimeoutMs: 100 });
		expect(config.nodes["1"]?.gossip).toEqual({ host: "127.0.0.1", port: 2382 });
		expect(config.nodes["3"]?.gossip).toBeUndefined();
		expect(parseClusterConfig(GOOD, "nodes.yaml").gossip).toEqual({});
	});

	test.each([
		[
			"a bad gossip address",
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2, gossip: a }",
			/nodes.1.gossip: must be host:port/,
		],
		[
			"a gossip address another socket uses",
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2, gossip: a:1 }",
			/a:1 is both node 1's raft and node 1's gossip address/,
		],
		[
			"two nodes on one gossip address",
			"dataDir: d\nnodes:\n  1: { raft: a:1, api: a:2, gossip: a:9 }\n  2: { raft: a:3, api: a:4, gossip: a:9 }",
			/a:9 is both node 1's gossip and node 2's gossip address/,
		],
		[
			"a timeout not below the interval",
			"dataDir: d\ngossip: { probeIntervalMs: 400 }\nnodes:\n  1: { raft: a:1, api: a:2 }",
			/probeTimeoutMs must be shorter than probeIntervalMs/,
		],
		[
			"a zero interval",
			"dataDir: d\ngossip: { probeIntervalMs: 0 }\nnodes:\n  1: { raft: a:1, api: a:2 }",
			/gossip.probeIntervalMs: must be at least 1 ms/,
		],
		[
			"an unknown gossip field",
			"dataDir: d\ngossip: { fanout: 3 }\nnodes:\n  1: { raft: a:1, api: a:2 }",
			/gossip/,
		],
	])("%s is refused with the field named", (_name, text, message) => {
		expect(() => parseClusterConfig(text, "nodes.yaml")).toThrow(ClusterConfigError);
		expect(() => parseClusterConfig(text, "nodes.yaml")).toThrow(message);
	});
});

describe("cluster file: one socket spelled two ways", () => {
	const file = (nodes: string) => `dataDir: d\nnodes:\n${nodes}`;

	test.each([
		[
			"localhost and 127.0.0.1 for two nodes",
			"  1: { raft: 127.0.0.1:7001, api: a:2 }\n  2: { raft: localhost:7001, api: a:4 }\n",
			"nodes: 127.0.0.1:7001 (node 1's raft) and localhost:7001 (node 2's raft) are one socket, 127.0.0.1:7001",
		],
		[
			"an IPv4 address with leading zeros",
			"  1: { raft: 127.0.0.1:7001, api: 127.000.000.001:7001 }\n",
			"nodes: 127.0.0.1:7001 (node 1's raft) and 127.000.000.001:7001 (node 1's api) are one socket",
		],
		[
			"an IPv4 shorthand, in another role",
			"  1: { raft: 127.0.0.1:7001, api: a:2 }\n  2: { raft: a:3, api: a:4, gossip: 127.1:7001 }\n",
			"(node 1's raft) and 127.1:7001 (node 2's gossip) are one socket",
		],
		[
			"a host name in two cases",
			"  1: { raft: Node-A.example:7001, api: a:2 }\n  2: { raft: node-a.example:7001, api: a:4 }\n",
			"Node-A.example:7001 (node 1's raft) and node-a.example:7001 (node 2's raft) are one socket",
		],
		[
			"the wildcard and a loopback address",
			"  1: { raft: 0.0.0.0:7001, api: a:2 }\n  2: { raft: a:3, api: localhost:7001 }\n",
			"0.0.0.0:7001 (node 1's raft) takes port 7001 on every address of its machine, localhost:7001 (node 2's api) among them",
		],
		[
			"the wildcard and another address of the same node",
			"  1: { raft: 10.0.0.1:7001, api: a:2, gossip: 0.0.0.0:7001 }\n",
			"0.0.0.0:7001 (node 1's gossip) takes port 7001 on every address of its machine, 10.0.0.1:7001 (node 1's raft)",
		],
		[
			"an IPv6 address in two spellings",
			'  1: { raft: "[::1]:7001", api: a:2 }\n  2: { raft: "[0:0:0:0:0:0:0:1]:7001", api: a:4 }\n',
			"[::1]:7001 (node 1's raft) and [0:0:0:0:0:0:0:1]:7001 (node 2's raft) are one socket, [::1]:7001",
		],
		[
			"IPv6's wildcard and an IPv4 loopback address (dual-stack)",
			'  1: { raft: "[::]:7001", api: a:2 }\n  2: { raft: a:3, api: 127.0.0.1:7001 }\n',
			"[::]:7001 (node 1's raft) takes port 7001 on every address of its machine, 127.0.0.1:7001 (node 2's api) among them",
		],
		[
			"IPv4's wildcard and IPv6's",
			'  1: { raft: 0.0.0.0:7001, api: a:2 }\n  2: { raft: "[::]:7001", api: a:4 }\n',
			"takes port 7001 on every address of its machine",
		],
		[
			"IPv6's wildcard and IPv6 loopback",
			'  1: { raft: "[::]:7001", api: a:2 }\n  2: { raft: a:3, api: "[::1]:7001" }\n',
			"[::]:7001 (node 1's raft) takes port 7001 on every address of its machine, [::1]:7001 (node 2's api)",
		],
	])("%s is refused, naming both", (_name, nodes, message) => {
		expect(() => parseClusterConfig(file(nodes), "nodes.yaml")).toThrow(ClusterConfigError);
		expect(() => parseClusterConfig(file(nodes), "nodes.yaml")).toThrow(message);
	});

	test.each([
		[
			"two loopback addresses",
			"  1: { raft: 127.0.0.1:7001, api: a:2 }\n  2: { raft: 127.0.0.2:7001, api: a:4 }\n",
		],
		// 127.0.0.010 is 127.0.0.8 to inet_aton: another socket.
		[
			"an octal part",
			"  1: { raft: 127.0.0.10:7001, api: a:2 }\n  2: { raft: 127.0.0.010:7001, api: a:4 }\n",
		],
		// Node 2 may run on another machine: its address is its own there.
		[
			"the wildcard and another node's address",
			"  1: { raft: 0.0.0.0:7001, api: a:2 }\n  2: { raft: 10.0.0.2:7001, api: a:4 }\n",
		],
		[
			"two names",
			"  1: { raft: a.example:7001, api: a:2 }\n  2: { raft: b.example:7001, api: a:4 }\n",
		],
		["one host on two ports", "  1: { raft: localhost:7001, api: 127.0.0.1:7002 }\n"],
		[
			"IPv4's wildcard and an IPv6 address of the same node",
			'  1: { raft: 0.0.0.0:7001, api: "[::1]:7001" }\n',
		],
		[
			"IPv4 and IPv6 loopback",
			'  1: { raft: 127.0.0.1:7001, api: a:2 }\n  2: { raft: "[::1]:7001", api: a:4 }\n',
		],
	])("%s pass", (_name, nodes) => {
		expect(parseClusterConfig(file(nodes), "nodes.yaml").nodes["1"]).toBeDefined();
	});
});

describe("cluster file: reading it", () => {
	const root = mkdtempSync(join(tmpdir(), "neuro-cluster-file-"));
	afterAll(() => rmSync(root, { recursive: true, force: true }));

	test("a directory is named as one, not as a missing file", async () => {
		const dir = join(root, "a-dir");
		mkdirSync(dir);
		const error = await loadClusterConfig(dir, 1).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ClusterConfigError);
		expect((error as Error).message).toBe(`${dir}: cannot read the cluster file: EISDIR`);
	});

	test("a field written twice in a node's inline mapping is refused, with file, line and key", async () => {
		// Bun.YAML keeps the last raft address: node 1 would listen where the operator did not say.
		const path = join(root, "twice.yaml");
		writeFileSync(
			path,
			"dataDir: d\nnodes:\n  1: { raft: 127.0.0.1:2381, api: 127.0.0.1:2380,\n       raft: 127.0.0.1:2391 }\n",
		);
		const error = await loadClusterConfig(path, 1).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ClusterConfigError);
		expect((error as Error).message).toBe(
			`${path}: line 4: nodes.1.raft: written twice in one mapping (lines 3 and 4); the parser would keep only the last`,
		);
	});

	test("a missing file is named as missing", async () => {
		const path = join(root, "absent.yaml");
		const error = await loadClusterConfig(path, 1).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ClusterConfigError);
		expect((error as Error).message).toBe(`${path}: cannot read the cluster file: no such file`);
	});
});
