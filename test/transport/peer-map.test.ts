/**
 * Who may talk: a reconnecting peer's newer connection replaces its older one, peers added,
 * moved and removed at run time, and a consumer whose handler throws.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { encodePayload } from "../../cluster/transport/codec.ts";
import { encodeFrame } from "../../cluster/transport/frame.ts";
import { PROTOCOL_VERSION } from "../../cluster/transport/handshake.ts";
import { MemoryLogger } from "../../cluster/transport/log.ts";
import { Transport } from "../../cluster/transport/transport.ts";
import {
	connectAll,
	isType,
	rawClient,
	SampleSchema,
	sample,
	startNode,
	TEST_NONCE,
	type TestNode,
	until,
} from "./harness.ts";

const nodes: TestNode[] = [];
afterEach(() => {
	for (const n of nodes.splice(0)) n.transport.close();
});

const frame = (message: unknown) => encodeFrame(encodePayload(message));
const hello = (from: number, to: number) =>
	frame({ type: "hello", version: PROTOCOL_VERSION, from, to, nonce: TEST_NONCE });

describe("the peer map at run time", () => {
	test("a newer connection from the same node replaces the older one", async () => {
		const b = startNode(2);
		nodes.push(b);
		b.transport.setPeer(3, { host: "127.0.0.1", port: 9 });
		const first = await rawClient(b.transport.port);
		first.socket.write(hello(3, 2));
		await b.events.next(isType("inbound-up"));
		const second = await rawClient(b.transport.port);
		second.socket.write(hello(3, 2));
		const replaced = await b.events.next(isType("inbound-closed"));
		expect(replaced).toMatchObject({ peer: 3, reason: { kind: "replaced" } });
		await first.whenClosed;
		second.socket.write(frame(sample(3, 2, 9)));
		await until(() => b.received.length === 1, "a message on the newer connection");
		expect(b.received[0]?.from).toBe(3);
		// Replacing is not bad input.
		expect(b.transport.stats().rejected).toEqual({});
		expect(b.log.at("warn")).toEqual([]);
		second.socket.end();
	});

	test("a removed peer's connection closes and its next hello is refused", async () => {
		const a = startNode(1);
		const b = startNode(2);
		nodes.push(a, b);
		connectAll([a, b]);
		a.transport.send(2, sample(1, 2, 1));
		await b.events.next(isType("inbound-up"));
		b.transport.removePeer(1);
		const closed = await b.events.next(isType("inbound-closed"));
		expect(closed.reason).toEqual({ kind: "removed" });
		expect(b.transport.send(1, sample(2, 1, 1))).toEqual({ sent: false, dropped: "unknownPeer" });
		// Node 1 redials after its backoff and is refused as unknown.
		const refused = await b.events.next(
			(e): e is Extract<typeof e, { type: "inbound-closed" }> =>
				e.type === "inbound-closed" && e.reason.kind === "unknown-peer",
		);
		expect(refused.reason).toEqual({ kind: "unknown-peer", id: 1 });
	});

	test("a peer moved to a new address is dialled there", async () => {
		const a = startNode(1);
		const old = startNode(2);
		nodes.push(a, old);
		connectAll([a, old]);
		a.transport.send(2, sample(1, 2, 1));
		await until(() => old.received.length === 1, "a message at the old address");
		const moved = startNode(2);
		nodes.push(moved);
		connectAll([a, moved]);
		a.transport.send(2, sample(1, 2, 2));
		await until(() => moved.received.length === 1, "a message at the new address");
		expect(old.received).toHaveLength(1);
		// The link to the old address was closed, not left open beside the new one.
		const closed = await old.events.next(isType("inbound-closed"));
		expect(closed).toMatchObject({ peer: 1, reason: { kind: "remote-closed" } });
	});

	test("a handler that throws is logged at ERROR and the connection kept", async () => {
		const log = new MemoryLogger();
		const seen: number[] = [];
		const b = Transport.start({
			self: 2,
			listen: { host: "127.0.0.1", port: 0 },
			peers: new Map(),
			schema: SampleSchema,
			log,
			onMessage: (_from, message) => {
				seen.push(message.term);
				if (message.term === 1) throw new Error("consumer bug");
			},
		});
		const a = startNode(1);
		nodes.push(a);
		try {
			a.transport.setPeer(2, { host: "127.0.0.1", port: b.port });
			b.setPeer(1, { host: "127.0.0.1", port: a.transport.port });
			a.transport.send(2, sample(1, 2, 1));
			a.transport.send(2, sample(1, 2, 2));
			await until(() => seen.length === 2, "both messages handled");
			expect(log.at("error")).toEqual([
				"message handler threw on a message from node 1: Error: consumer bug",
			]);
			expect(a.events.all.some(isType("peer-down"))).toBe(false);
		} finally {
			b.close();
		}
	});

	test("an event listener that throws is logged, and the transport goes on", async () => {
		const a = startNode(1);
		const b = startNode(2);
		nodes.push(a, b);
		connectAll([a, b]);
		b.transport.subscribe(() => {
			throw new Error("listener bug");
		});
		a.transport.send(2, sample(1, 2, 1));
		await until(() => b.received.length === 1, "the message");
		expect(b.log.at("error")).toEqual(["event listener threw on inbound-up: Error: listener bug"]);
		expect(b.events.all.map((e) => e.type)).toEqual(["inbound-up"]);
	});

	test("frames are logged at TRACE, connections at DEBUG, peers up at INFO", async () => {
		const a = startNode(1);
		const b = startNode(2);
		nodes.push(a, b);
		connectAll([a, b]);
		a.transport.send(2, sample(1, 2, 1));
		await until(() => b.received.length === 1, "the message");
		const bytes = a.transport.stats().peers.get(2)?.bytesOut;
		expect(a.log.at("trace")).toEqual([`frame of ${bytes} bytes to node 2`]);
		expect(b.log.at("trace")).toEqual([`frame of ${bytes} bytes from node 1`]);
		expect(a.log.at("debug")).toContain(`dialling node 2 at 127.0.0.1:${b.transport.port}`);
		expect(b.log.at("debug").some((l) => l.startsWith("node 1 connected from 127.0.0.1:"))).toBe(
			true,
		);
		expect(a.log.at("info")).toEqual([`peer 2 up (127.0.0.1:${b.transport.port})`]);
	});
});
