/**
 * The dialling side against listeners that misbehave, a reader too slow for the sender,
 * and options that do not validate.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { encodePayload } from "../../cluster/transport/codec.ts";
import type { CloseKind } from "../../cluster/transport/events.ts";
import { encodeFrame } from "../../cluster/transport/frame.ts";
import {
	Transport,
	TransportConfigError,
	TransportListenError,
} from "../../cluster/transport/transport.ts";
import { ManualTimers } from "../../edge/lock/timers.ts";
import {
	connectAll,
	isType,
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

/** A listener that answers every connection with `reply` bytes. */
function fakePeer(reply: Uint8Array) {
	return Bun.listen({
		hostname: "127.0.0.1",
		port: 0,
		socket: { data: (socket) => void socket.write(reply) },
	});
}

const frame = (message: unknown) => encodeFrame(encodePayload(message));

describe("the dialler refuses a listener that", () => {
	test.each<[string, Uint8Array, CloseKind, string]>([
		[
			"answers as another node",
			frame({ type: "welcome", from: 5, nonce: TEST_NONCE }),
			"wrong-peer",
			"answered by node 5, expected node 2",
		],
		[
			"sends more than its welcome",
			new Uint8Array([...frame({ type: "welcome", from: 2, nonce: TEST_NONCE }), 0, 0, 0, 1, 65]),
			"unexpected-data",
			"data on a dialled connection",
		],
		[
			"answers with something else",
			frame({ type: "hello", from: 2 }),
			"handshake",
			"bad handshake",
		],
		[
			"answers with an oversized frame",
			new Uint8Array([0xff, 0, 0, 0]),
			"frame",
			"exceeds the limit",
		],
	])("%s", async (_name, reply, kind, logged) => {
		const peer = fakePeer(reply);
		try {
			const a = startNode(1, { timers: new ManualTimers() });
			nodes.push(a);
			a.transport.setPeer(2, { host: "127.0.0.1", port: peer.port });
			a.transport.send(2, sample(1, 2, 1));
			const down = await a.events.next(isType("peer-down"));
			expect(down.reason.kind).toBe(kind);
			expect(a.log.at("warn")).toEqual([expect.stringContaining(logged)]);
			expect(a.transport.stats().rejected).toEqual({ [kind]: 1 });
		} finally {
			peer.stop(true);
		}
	});
});

describe("backpressure", () => {
	test("a reader slower than the sender: bytes beyond the cap are dropped and counted, the rest arrive in order", async () => {
		const cap = 1024 * 1024;
		const a = startNode(1, { limits: { maxBufferedBytes: cap, maxFrameBytes: cap / 4 } });
		const b = startNode(2);
		nodes.push(a, b);
		connectAll([a, b]);
		a.transport.send(2, sample(1, 2, 0));
		await a.events.next(isType("peer-up"));
		// 64 KiB entries sent in one synchronous burst: the receiver cannot read meanwhile, so
		// the kernel's buffers fill, then ours, up to the cap.
		const entry = Array.from({ length: 64 * 1024 }, (_, i) => i & 0xff);
		const outcomes = Array.from({ length: 400 }, (_, i) =>
			a.transport.send(2, sample(1, 2, i + 1, entry)),
		);
		const dropped = outcomes.filter((o) => !o.sent).length;
		const buffered = outcomes.filter((o) => o.sent && o.how === "buffered").length;
		expect(buffered).toBeGreaterThan(0);
		expect(dropped).toBeGreaterThan(0);
		expect(a.transport.bufferedBytes(2)).toBeLessThanOrEqual(cap);
		const stats = a.transport.stats().peers.get(2);
		expect(stats?.dropped.backpressure).toBe(dropped);
		expect(stats?.framesOut).toBe(1 + 400 - dropped);
		// Drain flushes the rest: everything accepted arrives, in order.
		await until(() => b.received.length === 1 + 400 - dropped, "every accepted message", 20_000);
		const terms = b.received.map((r) => r.message.term);
		expect(terms).toEqual([...terms].sort((x, y) => x - y));
		expect(b.received.at(-1)?.message.entries[0]?.data).toEqual(new Uint8Array(entry));
		expect(a.transport.bufferedBytes(2)).toBe(0);
	}, 30_000);
});

describe("options", () => {
	const base = {
		self: 1,
		listen: { host: "127.0.0.1", port: 0 },
		peers: new Map(),
		schema: SampleSchema,
		onMessage: () => {},
	};

	test.each([
		[{ self: 0 }, "self: a node id is 1 or more"],
		[{ listen: { host: "127.0.0.1", port: 70_000 } }, "listen:"],
		[{ peers: new Map([[-1, { host: "h", port: 1 }]]) }, "peers: -1 is not a node id"],
		[
			{ peers: new Map([[2, { host: "h", port: 0 }]]) },
			"peers: node 2: port: port must be 1..65535",
		],
		[{ peers: new Map([[2, { host: "a b", port: 1 }]]) }, "peers: node 2: host: not a host name"],
		[{ limits: { maxFrameBytes: 0 } }, "limits.maxFrameBytes"],
		[{ limits: { backoffBaseMs: 10, backoffMaxMs: 5 } }, "backoffBaseMs must not exceed"],
		[
			{ limits: { maxFrameBytes: 1000, maxBufferedBytes: 1000 } },
			"limits: maxBufferedBytes must hold",
		],
		[{ limits: { bogus: 1 } }, "limits.bogus"],
	])("refuses %p", (over, message) => {
		expect(() => Transport.start({ ...base, ...over } as typeof base)).toThrow(
			TransportConfigError,
		);
		expect(() => Transport.start({ ...base, ...over } as typeof base)).toThrow(message);
	});

	test("setPeer refuses an address no peer can have", () => {
		const a = startNode(1);
		nodes.push(a);
		expect(() => a.transport.setPeer(2, { host: "127.0.0.1", port: 70_000 })).toThrow(
			"peers: node 2: port: port must be 1..65535",
		);
		expect(a.transport.send(2, sample(1, 2, 1))).toEqual({ sent: false, dropped: "unknownPeer" });
	});

	test("a port in use is a TransportListenError naming the address", () => {
		const a = startNode(1);
		nodes.push(a);
		const port = a.transport.port;
		const start = () => Transport.start({ ...base, self: 2, listen: { host: "127.0.0.1", port } });
		expect(start).toThrow(TransportListenError);
		expect(start).toThrow(`cannot listen on 127.0.0.1:${port}`);
	});
});
