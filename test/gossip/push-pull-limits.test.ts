import { afterEach, describe, expect, test } from "bun:test";
import { GossipNode } from "../../cluster/gossip/gossip-node.ts";
import type { NodeMeta } from "../../cluster/gossip/types.ts";
import { MemoryLogger } from "../../cluster/transport/log.ts";

const meta: NodeMeta = { role: "pop", pop: "fra1", edgeAddress: "", raftAddress: "" };
const running: GossipNode[] = [];
afterEach(() => {
	for (const node of running.splice(0)) node.stop();
});

async function start(id: number, maxConnections?: number): Promise<GossipNode> {
	const node = await GossipNode.start({
		id,
		host: "127.0.0.1",
		port: 0,
		meta,
		config: { probeIntervalMs: 200, probeTimeoutMs: 100, pushPullIntervalMs: 60_000 },
		logger: new MemoryLogger(),
		...(maxConnections !== undefined ? { pushPull: { maxConnections } } : {}),
	});
	running.push(node);
	return node;
}

/** A connection that announces an 8 MiB frame, sends a little of it, and waits. */
async function holdOpen(port: number, closed: () => void) {
	const socket = await Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: { data() {}, close: closed },
	});
	const head = new Uint8Array(4 + 1024);
	new DataView(head.buffer).setUint32(0, 8 * 1024 * 1024, false);
	socket.write(head);
	return socket;
}

describe("push-pull listener bounds", () => {
	test("connections beyond maxConnections are closed unread and counted; the node still answers after", async () => {
		const a = await start(1, 2);
		const b = await start(2);
		const port = Number(a.address.split(":")[1]);
		let heldClosed = 0;
		const held = [
			await holdOpen(port, () => heldClosed++),
			await holdOpen(port, () => heldClosed++),
		];
		// The third is refused at once: its close is the event we wait for.
		await new Promise<void>((resolve) => {
			void holdOpen(port, resolve);
		});
		expect(a.stats.drops.busy).toBe(1);
		expect(heldClosed).toBe(0);
		for (const socket of held) socket.end();
		// Once the held connections are gone their places are free again.
		let joined = 0;
		for (let attempt = 0; attempt < 50 && joined === 0; attempt++)
			joined = await b.join([a.address]);
		expect(joined).toBe(1);
	}, 15_000);

	test("by default sixteen exchanges are served at once", async () => {
		const a = await start(1);
		const port = Number(a.address.split(":")[1]);
		const held = [];
		for (let i = 0; i < 16; i++) held.push(await holdOpen(port, () => {}));
		await new Promise<void>((resolve) => {
			void holdOpen(port, resolve);
		});
		expect(a.stats.drops.busy).toBe(1);
		for (const socket of held) socket.end();
	}, 15_000);
});
