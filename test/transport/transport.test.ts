import { afterEach, describe, expect, test } from "bun:test";
import { jsonCodec } from "../../cluster/transport/codec.ts";
import { connectAll, isType, sample, startNode, type TestNode, until } from "./harness.ts";

const nodes: TestNode[] = [];
function node(id: number, options?: Parameters<typeof startNode>[1]): TestNode {
	const started = startNode(id, options);
	nodes.push(started);
	return started;
}
afterEach(() => {
	for (const n of nodes.splice(0)) n.transport.close();
});

describe("Transport over loopback", () => {
	test("two nodes exchange messages both ways, bytes intact", async () => {
		const a = node(1);
		const b = node(2);
		connectAll([a, b]);
		expect(a.transport.send(2, sample(1, 2, 1, [0, 1, 255]))).toEqual({
			sent: true,
			how: "queued",
		});
		expect(b.transport.send(1, sample(2, 1, 1, [9]))).toEqual({ sent: true, how: "queued" });
		await until(() => a.received.length === 1 && b.received.length === 1, "one message each way");
		expect(b.received[0]).toEqual({ from: 1, message: sample(1, 2, 1, [0, 1, 255]) });
		expect(b.received[0]?.message.entries[0]?.data).toBeInstanceOf(Uint8Array);
		expect(a.received[0]).toEqual({ from: 2, message: sample(2, 1, 1, [9]) });
		expect(a.transport.send(2, sample(1, 2, 2))).toEqual({ sent: true, how: "written" });
		await until(() => b.received.length === 2, "the second message");
		expect(b.received.map((r) => r.message.term)).toEqual([1, 2]);
		const out = a.transport.stats().peers.get(2);
		const into = b.transport.stats().peers.get(1);
		expect(out?.framesOut).toBe(2);
		expect(into?.framesIn).toBe(2);
		expect(into?.bytesIn).toBe(out?.bytesOut ?? -1);
		expect(out?.ups).toBe(1);
		expect(out?.link).toBe("open");
		// Node 2 dialled node 1 for its own send: its link is up too.
		expect(into?.link).toBe("open");
		expect(a.log.at("info")).toContain(`peer 2 up (127.0.0.1:${b.transport.port})`);
	});

	test("with the plain JSON codec on both ends: bytes intact; a superjson peer is refused", async () => {
		const a = node(1, { codec: jsonCodec });
		const b = node(2, { codec: jsonCodec });
		const c = node(3);
		connectAll([a, b, c]);
		a.transport.send(2, sample(1, 2, 1, [0, 1, 255]));
		c.transport.send(2, sample(3, 2, 1, [7]));
		await until(() => b.received.length === 1, "the JSON message");
		expect(b.received[0]).toEqual({ from: 1, message: sample(1, 2, 1, [0, 1, 255]) });
		expect(b.received[0]?.message.entries[0]?.data).toBeInstanceOf(Uint8Array);
		await until(() => (b.transport.stats().rejected.payload ?? 0) === 1, "the refusal");
		expect(b.received.map((r) => r.from)).toEqual([1]);
	});

	test("three nodes: each sends to both others, in order per sender", async () => {
		const trio = [node(1), node(2), node(3)];
		connectAll(trio);
		for (let term = 1; term <= 50; term++) {
			for (const from of trio) {
				for (const to of trio) {
					if (to !== from) from.transport.send(to.id, sample(from.id, to.id, term, [term]));
				}
			}
		}
		await until(() => trio.every((n) => n.received.length === 100), "100 messages at each node");
		for (const n of trio) {
			for (const other of trio.filter((o) => o !== n)) {
				const terms = n.received.filter((r) => r.from === other.id).map((r) => r.message.term);
				expect(terms).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
			}
		}
	});

	test("a send to an id with no address is refused and counted", () => {
		const a = node(1);
		expect(a.transport.send(7, sample(1, 7, 1))).toEqual({ sent: false, dropped: "unknownPeer" });
		expect(a.transport.stats().unknownPeerSends).toBe(1);
	});

	test("a message larger than a frame is dropped at the sender, not sent", async () => {
		const a = node(1, { limits: { maxFrameBytes: 200 } });
		const b = node(2);
		connectAll([a, b]);
		const big = sample(
			1,
			2,
			1,
			Array.from({ length: 300 }, () => 7),
		);
		expect(a.transport.send(2, big)).toEqual({ sent: false, dropped: "tooLarge" });
		expect(a.transport.stats().peers.get(2)?.dropped.tooLarge).toBe(1);
		// Raft would send it again and again: a stalled link shows without TRACE, once.
		expect(a.log.at("warn")).toEqual([
			expect.stringMatching(
				/^dropped a message of \d+ bytes to node 2: over the 200-byte frame limit$/,
			),
		]);
	});

	test("a closed transport refuses sends and its port refuses connections", async () => {
		const a = node(1);
		const b = node(2);
		connectAll([a, b]);
		a.transport.send(2, sample(1, 2, 1));
		await b.events.next(isType("inbound-up"));
		b.transport.close();
		expect(b.transport.send(1, sample(2, 1, 1))).toEqual({ sent: false, dropped: "closed" });
		await a.events.next(isType("peer-down"));
		const port = b.transport.port;
		await expect(
			Bun.connect({ hostname: "127.0.0.1", port, socket: { data: () => {} } }),
		).rejects.toThrow();
	});
});
