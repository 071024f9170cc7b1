/**
 * A remote that sends what a transport never would: each case closes that one connection
 * with its reason logged and counted, and the node keeps serving its real peers.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { encodePayload } from "../../cluster/transport/codec.ts";
import type { CloseKind } from "../../cluster/transport/events.ts";
import { encodeFrame } from "../../cluster/transport/frame.ts";
import { PROTOCOL_VERSION } from "../../cluster/transport/handshake.ts";
import { ManualTimers } from "../../edge/lock/timers.ts";
import {
	connectAll,
	isType,
	rawClient,
	sample,
	startNode,
	TEST_NONCE,
	type TestNode,
	until,
} from "./harness.ts";

const MAX_FRAME = 4096;
const nodes: TestNode[] = [];
afterEach(() => {
	for (const n of nodes.splice(0)) n.transport.close();
});

/** Node 2 listens; node 1 is its real peer. Node 3 is in the peer map but never runs. */
function pair(timers?: ManualTimers) {
	const a = startNode(1);
	const b = startNode(2, { limits: { maxFrameBytes: MAX_FRAME }, ...(timers ? { timers } : {}) });
	nodes.push(a, b);
	connectAll([a, b]);
	b.transport.setPeer(3, { host: "127.0.0.1", port: 9 });
	return { a, b };
}

const frame = (message: unknown) => encodeFrame(encodePayload(message));
const hello = (from: number, to = 2, version = PROTOCOL_VERSION) =>
	frame({ type: "hello", version, from, to, nonce: TEST_NONCE });

/** Sends `bytes` from a raw client and awaits the close, its reason, and a healthy node. */
async function expectRefused(
	bytes: Uint8Array[],
	kind: CloseKind,
	logged: string,
	timers?: ManualTimers,
) {
	const { a, b } = pair(timers);
	const client = await rawClient(b.transport.port);
	for (const chunk of bytes) client.socket.write(chunk);
	const closed = await b.events.next(isType("inbound-closed"));
	expect(closed.reason.kind).toBe(kind);
	await client.whenClosed;
	const warn = b.log.at("warn");
	expect(warn).toHaveLength(1);
	expect(warn[0]).toContain(logged);
	expect(b.transport.stats().rejected).toEqual({ [kind]: 1 });
	// The real peer is still served.
	a.transport.send(2, sample(1, 2, 5, [5]));
	await until(() => b.received.some((r) => r.from === 1), "the real peer's message");
	return { b, client, closed };
}

describe("bad input closes only its own connection", () => {
	test("an oversized length prefix, before any handshake", async () => {
		const header = new Uint8Array([0, 0, 0x10, 0x01]); // 4097 bytes
		await expectRefused([header], "frame", "frame of 4097 bytes exceeds the limit of 1024");
	});

	test("before the hello, only a handshake-sized frame is buffered, whatever maxFrameBytes", async () => {
		const header = new Uint8Array([0, 0, 0x04, 0x01]); // 1025 bytes: under MAX_FRAME
		await expectRefused([header], "frame", "frame of 1025 bytes exceeds the limit of 1024");
	});

	test("after the hello, frames up to maxFrameBytes pass and longer ones do not", async () => {
		const long = frame({
			...sample(3, 2, 1),
			entries: [{ index: 1, term: 1, data: new Uint8Array(2000) }],
		});
		expect(long.byteLength).toBeGreaterThan(1024 + 4);
		const header = new Uint8Array([0, 0, 0x10, 0x01]);
		const { b } = await expectRefused(
			[hello(3), long, header],
			"frame",
			"frame of 4097 bytes exceeds the limit of 4096",
		);
		expect(b.received.map((r) => r.from)).toEqual([3, 1]);
	});

	test("an oversized frame after a valid handshake", async () => {
		const header = new Uint8Array(4);
		new DataView(header.buffer).setUint32(0, 0x7fff_ffff);
		const { closed } = await expectRefused([hello(3), header], "frame", "exceeds the limit");
		expect(closed.peer).toBe(3);
	});

	test("garbage bytes where the hello should be", async () => {
		const garbage = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
		// "GET " read as a length is 1195725856: refused as a frame, before any buffering.
		await expectRefused([garbage], "frame", "frame of 1195725856 bytes");
	});

	test("a well-framed payload that is not superjson", async () => {
		const junk = encodeFrame(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
		await expectRefused([junk], "handshake", "bad handshake: undecodable payload");
	});

	test("a frame that fails the message schema, after the handshake", async () => {
		const bad = frame({ ...sample(3, 2, 1), type: "bogus" });
		const { b } = await expectRefused(
			[hello(3), bad],
			"payload",
			"payload fails the schema: type:",
		);
		expect(b.received.every((r) => r.from === 1)).toBe(true);
	});

	test("garbage after the handshake", async () => {
		await expectRefused(
			[hello(3), encodeFrame(new TextEncoder().encode("{oops"))],
			"payload",
			"undecodable payload",
		);
	});

	test("a hello from a node id that is not a peer", async () => {
		await expectRefused([hello(42)], "unknown-peer", "hello from node 42, which is not a peer");
	});

	test("a hello claiming to be this node itself", async () => {
		await expectRefused([hello(2)], "unknown-peer", "hello from node 2");
	});

	test("a hello addressed to another node", async () => {
		await expectRefused([hello(3, 7)], "wrong-target", "hello addressed to node 7");
	});

	test("a hello of another protocol version", async () => {
		await expectRefused([hello(3, 2, PROTOCOL_VERSION - 1)], "handshake", "version:");
		await expectRefused([hello(3, 2, PROTOCOL_VERSION + 1)], "handshake", "version:");
	});

	test("a hello with a node id of 0", async () => {
		await expectRefused([hello(0)], "handshake", "from: a node id is 1 or more");
	});

	test("an empty frame", async () => {
		await expectRefused([hello(3), new Uint8Array(4)], "frame", "frame of 0 bytes");
	});

	test("past maxPendingHandshakes, a new connection is closed at once", async () => {
		const b = startNode(2, { limits: { maxPendingHandshakes: 2 } });
		nodes.push(b);
		const silent = [await rawClient(b.transport.port), await rawClient(b.transport.port)];
		const third = await rawClient(b.transport.port);
		await third.whenClosed;
		const closed = await b.events.next(isType("inbound-closed"));
		expect(closed.reason).toEqual({ kind: "busy", pending: 2 });
		expect(b.log.at("warn")).toEqual([
			expect.stringContaining("2 connections already await their hello"),
		]);
		for (const client of silent) client.socket.end();
	});

	test("a connection that never says hello is closed at the handshake deadline", async () => {
		const timers = new ManualTimers();
		const { b } = pair(timers);
		const client = await rawClient(b.transport.port);
		await until(() => timers.pending === 1, "the handshake timer");
		timers.advance(2_999);
		expect(b.events.all.some(isType("inbound-closed"))).toBe(false);
		timers.advance(1);
		const closed = await b.events.next(isType("inbound-closed"));
		expect(closed.reason).toEqual({ kind: "handshake-timeout", ms: 3_000 });
		await client.whenClosed;
		expect(b.log.at("debug").some((l) => l.includes("no handshake within 3000 ms"))).toBe(true);
	});
});
