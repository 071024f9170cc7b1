import { afterEach, describe, expect, test } from "bun:test";
import { swimConfig } from "../../cluster/gossip/config.ts";
import { deadDetectionBoundMs } from "../../cluster/gossip/detection-bound.ts";
import { GossipNode } from "../../cluster/gossip/gossip-node.ts";
import type { MemberState, NodeMeta } from "../../cluster/gossip/types.ts";
import { MemoryLogger } from "../../cluster/transport/log.ts";

const fast = {
	probeIntervalMs: 200,
	probeTimeoutMs: 100,
	pushPullIntervalMs: 2_000,
};
const meta = (id: number): NodeMeta => ({
	role: id === 1 ? "control" : "pop",
	pop: "fra1",
	edgeAddress: `127.0.0.1:${8000 + id}`,
	raftAddress: id === 1 ? "127.0.0.1:7001" : "",
});

const running: GossipNode[] = [];
afterEach(() => {
	for (const node of running.splice(0)) node.stop();
});

async function startNodes(count: number): Promise<{ nodes: GossipNode[]; logs: MemoryLogger[] }> {
	const nodes: GossipNode[] = [];
	const logs: MemoryLogger[] = [];
	for (let id = 1; id <= count; id++) {
		const logger = new MemoryLogger();
		const node = await GossipNode.start({
			id,
			host: "127.0.0.1",
			port: 0,
			meta: meta(id),
			config: fast,
			logger,
		});
		running.push(node);
		nodes.push(node);
		logs.push(logger);
	}
	return { nodes, logs };
}

/** Polls a condition until it holds or the deadline passes (then the test fails with `what`). */
async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
	const started = performance.now();
	while (!condition()) {
		if (performance.now() - started > timeoutMs)
			throw new Error(`not within ${timeoutMs} ms: ${what}`);
		await Bun.sleep(20);
	}
	return performance.now() - started;
}

function stateOf(node: GossipNode, id: number): MemberState | undefined {
	return node.members().find((m) => m.id === id)?.state;
}

describe("GossipNode over loopback", () => {
	test("members join through a seed, see each other alive, a leaver is left everywhere, a stopped node dead everywhere", async () => {
		const { nodes, logs } = await startNodes(5);
		const seed = nodes[0] as GossipNode;
		for (const node of nodes.slice(1)) expect(await node.join([seed.address])).toBe(1);
		await waitFor(
			"everyone sees five alive members",
			() => nodes.every((n) => n.members().filter((m) => m.state === "alive").length === 5),
			10_000,
		);
		expect(nodes[4]?.members().find((m) => m.id === 1)?.meta).toEqual(meta(1));
		// Traffic is counted: the joiners pushed state to the seed over TCP, probes went by UDP.
		const joiner = nodes[1] as GossipNode;
		expect(joiner.stats.pushPullTraffic.bytesOut).toBeGreaterThan(0);
		expect(seed.stats.pushPullTraffic.bytesIn).toBeGreaterThanOrEqual(
			joiner.stats.pushPullTraffic.bytesOut,
		);
		expect(joiner.stats.bytesOut).toBeGreaterThan(0);
		expect(nodes.reduce((sum, n) => sum + n.stats.bytesIn, 0)).toBeGreaterThan(0);

		const leaver = nodes[3] as GossipNode;
		await leaver.leave();
		const stayers = nodes.filter((n) => n !== leaver);
		await waitFor(
			"node 4 left everywhere",
			() => stayers.every((n) => stateOf(n, 4) === "left"),
			5_000,
		);
		expect(logs[0]?.at("info").some((line) => /member 4 .* left/.test(line))).toBe(true);

		const crashed = nodes[4] as GossipNode;
		crashed.stop();
		const live = stayers.filter((n) => n !== crashed);
		const bound = deadDetectionBoundMs(5, swimConfig(fast), swimConfig(fast).awarenessMax);
		const took = await waitFor(
			"node 5 dead everywhere",
			() => live.every((n) => stateOf(n, 5) === "dead"),
			bound,
		);
		expect(took).toBeLessThan(bound);
		expect(live.every((n) => stateOf(n, 4) === "left" && stateOf(n, 2) === "alive")).toBe(true);
		expect(logs[0]?.at("debug").some((line) => line.includes("suspected"))).toBe(true);
	}, 30_000);

	test("metadata updates reach every member", async () => {
		const { nodes } = await startNodes(3);
		for (const node of nodes.slice(1)) await node.join([(nodes[0] as GossipNode).address]);
		const updated = { ...meta(2), edgeAddress: "127.0.0.1:9999" };
		nodes[1]?.updateMeta(updated);
		await waitFor(
			"node 2's new edge address everywhere",
			() =>
				nodes.every(
					(n) => n.members().find((m) => m.id === 2)?.meta.edgeAddress === "127.0.0.1:9999",
				),
			5_000,
		);
		expect(nodes[2]?.members().find((m) => m.id === 2)?.incarnation).toBe(1);
	}, 15_000);

	test("garbage and oversized datagrams and push-pull frames are dropped and counted, and the node keeps working", async () => {
		const { nodes } = await startNodes(2);
		const [a, b] = nodes as [GossipNode, GossipNode];
		const port = Number(a.address.split(":")[1]);
		const client = await Bun.udpSocket({});
		client.send(new Uint8Array([1, 2, 3]), port, "127.0.0.1");
		client.send(new Uint8Array([9, 123, 125]), port, "127.0.0.1");
		client.send(new Uint8Array(3000).fill(1), port, "127.0.0.1");
		client.send(new TextEncoder().encode('\u0001{"from":0}'), port, "127.0.0.1");
		client.send(new TextEncoder().encode("\u0001{nope"), port, "127.0.0.1");
		client.close();
		const tcp = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
		tcp.write(new Uint8Array([0, 0, 0, 3, 1, 123, 125]));
		await waitFor(
			"every bad datagram counted",
			() => {
				const d = a.stats.drops;
				return (
					d["bad-version"] === 1 && d.oversized === 1 && d.invalid === 2 && d["not-json"] === 2
				);
			},
			3_000,
		).catch((error) => {
			throw new Error(`${error} ${JSON.stringify(a.stats)}`);
		});
		tcp.end();
		expect(await b.join([a.address])).toBe(1);
		await waitFor(
			"a and b see each other",
			() => stateOf(a, 2) === "alive" && stateOf(b, 1) === "alive",
			5_000,
		);
	}, 15_000);

	test("a seed nobody listens on counts as not joined", async () => {
		const { nodes } = await startNodes(1);
		expect(await nodes[0]?.join(["127.0.0.1:1"])).toBe(0);
		expect(nodes[0]?.stats.pushPullFailures).toBe(1);
	});
});
