/**
 * Transports with a cluster secret, over loopback: the right secret connects and messages
 * flow; another secret, or none, is refused on both ends and the peer never counted up; a
 * forged or replayed handshake from a raw socket is refused (the listener's nonce is fresh
 * every time); bad input during the auth step closes only its own connection; and the
 * WARN lines are rate-limited and never carry the secret.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ClusterSecret } from "../../cluster/transport/cluster-secret.ts";
import { type Decoded, decodePayload, encodePayload } from "../../cluster/transport/codec.ts";
import type { CloseKind, TransportEvent } from "../../cluster/transport/events.ts";
import { encodeFrame, FrameDecoder } from "../../cluster/transport/frame.ts";
import {
	PROTOCOL_VERSION,
	type Welcome,
	WelcomeSchema,
} from "../../cluster/transport/handshake.ts";
import { authMac, newNonce, toHex, welcomeMac } from "../../cluster/transport/peer-auth.ts";
import { ManualTimers } from "../../edge/lock/timers.ts";
import {
	connectAll,
	isType,
	rawClient,
	sample,
	startNode,
	type TestNode,
	until,
} from "./harness.ts";

const SECRET_TEXT = "s3cret-s3cret-s3cret-s3cret-s3cret";
const secret = ClusterSecret.fromBytes(new TextEncoder().encode(SECRET_TEXT));
const otherSecret = ClusterSecret.fromBytes(
	new TextEncoder().encode("another-one-another-one-another!!"),
);

const nodes: TestNode[] = [];
afterEach(() => {
	for (const n of nodes.splice(0)) n.transport.close();
});

const frame = (message: unknown) => encodeFrame(encodePayload(message));

function closedWith(kind: CloseKind) {
	return (e: TransportEvent): e is Extract<TransportEvent, { type: "inbound-closed" }> =>
		e.type === "inbound-closed" && e.reason.kind === kind;
}

/** Every logged line of `node`, for checking the secret never appears. */
const allLines = (node: TestNode) => node.log.lines.map((l) => l.line).join("\n");

/** Node 1 dials node 2, each with the secret given (or none), and sends one message. */
async function dial(secretOf1: ClusterSecret | undefined, secretOf2: ClusterSecret | undefined) {
	const timers = new ManualTimers();
	const a = startNode(1, { timers, ...(secretOf1 ? { secret: secretOf1 } : {}) });
	const b = startNode(2, { timers, ...(secretOf2 ? { secret: secretOf2 } : {}) });
	nodes.push(a, b);
	connectAll([a, b]);
	a.transport.send(2, sample(1, 2, 1, [1, 2, 3]));
	return { a, b };
}

/** The refusal as both ends see it: no peer-up, no inbound-up, nothing delivered. */
async function expectRefusedBothWays(
	a: TestNode,
	b: TestNode,
	diallerSays: string,
	listenerSays: string | undefined,
) {
	const down = await a.events.next(isType("peer-down"));
	expect(down.wasUp).toBe(false);
	expect(down.reason).toEqual({ kind: "auth-failed", detail: expect.any(String) });
	expect(a.log.at("warn")).toEqual([
		`closing link to node 2: authentication failed: ${diallerSays}`,
	]);
	expect(a.transport.stats().rejected).toEqual({ "auth-failed": 1 });
	if (listenerSays !== undefined) {
		const closed = await b.events.next(closedWith("auth-failed"));
		expect(closed.peer).toBeUndefined();
		expect(b.log.at("warn")).toEqual([
			expect.stringMatching(
				new RegExp(
					`^closing the connection from 127\\.0\\.0\\.1:\\d+ \\(claiming to be node 1\\): authentication failed: ${listenerSays}$`,
				),
			),
		]);
		expect(b.transport.stats().rejected).toEqual({ "auth-failed": 1 });
	}
	expect(a.events.all.some(isType("peer-up"))).toBe(false);
	// A listener without a secret takes anyone (it cannot tell); the dialler refuses it.
	if (listenerSays !== undefined) expect(b.events.all.some(isType("inbound-up"))).toBe(false);
	expect(a.transport.stats().peers.get(2)?.ups).toBe(0);
	expect(b.received).toEqual([]);
	for (const node of [a, b]) expect(allLines(node)).not.toContain("s3cret");
}

describe("with a cluster secret", () => {
	test("the same secret on both ends: the peer comes up and messages flow both ways", async () => {
		const { a, b } = await dial(secret, secret);
		await until(() => b.received.length === 1, "node 2 receiving");
		expect(b.received[0]?.message.entries[0]?.data).toEqual(new Uint8Array([1, 2, 3]));
		b.transport.send(1, sample(2, 1, 1));
		await until(() => a.received.length === 1, "node 1 receiving");
		for (let term = 2; term <= 50; term++) a.transport.send(2, sample(1, 2, term));
		await until(() => b.received.length === 50, "50 messages in order");
		expect(b.received.map((r) => r.message.term)).toEqual(
			Array.from({ length: 50 }, (_, i) => i + 1),
		);
		expect(a.transport.stats().peers.get(2)?.ups).toBe(1);
		expect(b.events.all.filter(isType("inbound-up"))).toHaveLength(1);
		for (const node of [a, b]) {
			expect(node.transport.stats().rejected).toEqual({});
			expect(node.log.at("warn")).toEqual([]);
		}
	});

	test("a dialler with another secret: refused at both ends, never counted up", async () => {
		const { a, b } = await dial(otherSecret, secret);
		await expectRefusedBothWays(
			a,
			b,
			"node 2's welcome MAC is wrong (another cluster secret, or not node 2)",
			"it closed before authenticating \\(another cluster secret, or none\\)",
		);
	});

	test("a dialler without a secret, to a listener with one: refused at both ends", async () => {
		const { a, b } = await dial(undefined, secret);
		await expectRefusedBothWays(
			a,
			b,
			"node 2 requires a cluster secret and this node has none",
			"it closed before authenticating \\(another cluster secret, or none\\)",
		);
	});

	test("a dialler with a secret, to a listener without one: the dialler refuses it", async () => {
		const { a, b } = await dial(secret, undefined);
		await expectRefusedBothWays(
			a,
			b,
			"node 2's welcome carries no MAC (it runs without a cluster secret)",
			undefined,
		);
	});
});

/**
 * A raw client that knows the secret (or pretends to): sends a hello as node 1, reads the
 * welcome, and answers with the auth `answer` makes from the welcome's nonce.
 */
async function handshake(
	port: number,
	answer: (listenerNonce: Uint8Array, diallerNonce: Uint8Array) => Uint8Array,
	diallerNonce = newNonce(),
) {
	const client = await rawClient(port);
	const hello = frame({
		type: "hello",
		version: PROTOCOL_VERSION,
		from: 1,
		to: 2,
		nonce: toHex(diallerNonce),
	});
	client.socket.write(hello);
	await until(() => client.received.length > 0, "the welcome");
	const decoder = new FrameDecoder(1024);
	let welcome: Decoded<Welcome> | undefined;
	for (const chunk of client.received) {
		decoder.push(chunk, (payload) => {
			welcome = decodePayload(payload, WelcomeSchema);
			return false;
		});
	}
	if (welcome === undefined || !welcome.ok) throw new Error("no valid welcome");
	const listenerNonce = welcome.value.nonce;
	// What a real dialler checks: the listener proved the secret over our nonce.
	expect(welcome.value.mac).toEqual(
		welcomeMac(secret, { dialler: 1, listener: 2, diallerNonce, listenerNonce }),
	);
	const auth = answer(listenerNonce, diallerNonce);
	client.socket.write(auth);
	return { client, hello, auth, listenerNonce };
}

const honestAuth = (listenerNonce: Uint8Array, diallerNonce: Uint8Array) =>
	frame({
		type: "auth",
		mac: toHex(authMac(secret, { dialler: 1, listener: 2, diallerNonce, listenerNonce })),
	});

/** Node 2 with the secret, and node 1, its real peer, linked to it and sending. */
async function listenerWithRealPeer(timers?: ManualTimers) {
	const a = startNode(1, { secret, ...(timers ? { timers } : {}) });
	const b = startNode(2, { secret, ...(timers ? { timers } : {}) });
	nodes.push(a, b);
	connectAll([a, b]);
	a.transport.send(2, sample(1, 2, 1));
	await until(() => b.received.length === 1, "the real peer's first message");
	return { a, b };
}

/** The real node 1 still reaches node 2, on its own untouched connection. */
async function realPeerStillServed(a: TestNode, b: TestNode) {
	const before = b.received.length;
	a.transport.send(2, sample(1, 2, 99));
	await until(() => b.received.length === before + 1, "the real peer's next message");
	expect(b.events.all.some(closedWith("replaced"))).toBe(false);
}

describe("a forged or replayed handshake", () => {
	test("a hello claiming to be a peer, then a made-up auth: refused, the real peer's link untouched", async () => {
		const { a, b } = await listenerWithRealPeer();
		const { client } = await handshake(b.transport.port, () =>
			frame({ type: "auth", mac: toHex(newNonce()) }),
		);
		const closed = await b.events.next(closedWith("auth-failed"));
		expect(closed.reason).toEqual({
			kind: "auth-failed",
			detail: "its auth MAC is wrong (another cluster secret, or a replayed handshake)",
		});
		await client.whenClosed;
		expect(b.log.at("warn")).toEqual([
			expect.stringContaining(
				"(claiming to be node 1): authentication failed: its auth MAC is wrong",
			),
		]);
		await realPeerStillServed(a, b);
		expect(b.received.every((r) => r.message.term !== 7)).toBe(true);
	});

	test("messages sent before an auth are not delivered: the connection closes", async () => {
		const { a, b } = await listenerWithRealPeer();
		const { client } = await handshake(b.transport.port, () => frame(sample(1, 2, 7)));
		const closed = await b.events.next(closedWith("handshake"));
		expect(closed.peer).toBeUndefined();
		await client.whenClosed;
		expect(b.log.at("warn")).toEqual([
			expect.stringContaining("bad handshake: payload fails the schema"),
		]);
		await realPeerStillServed(a, b);
		expect(b.received.some((r) => r.message.term === 7)).toBe(false);
	});

	test("a recorded hello and auth replayed on a new connection: refused (the listener's nonce is new)", async () => {
		const b = startNode(2, { secret });
		nodes.push(b);
		b.transport.setPeer(1, { host: "127.0.0.1", port: 9 });
		// The recorded session: an honest handshake, accepted, a message delivered.
		const recorded = await handshake(b.transport.port, honestAuth);
		await b.events.next(isType("inbound-up"));
		recorded.client.socket.write(frame(sample(1, 2, 5)));
		await until(
			() => b.received.some((r) => r.message.term === 5),
			"the recorded session's message",
		);
		recorded.client.socket.end();
		await b.events.next(isType("inbound-closed"));
		// The replay: the same bytes, hello then auth then a message, on a new connection.
		const from = b.events.all.length;
		const replay = await rawClient(b.transport.port);
		replay.socket.write(recorded.hello);
		await until(() => replay.received.length > 0, "the replay's welcome");
		replay.socket.write(recorded.auth);
		replay.socket.write(frame(sample(1, 2, 6)));
		const closed = await b.events.next(isType("inbound-closed"), from);
		expect(closed.reason).toEqual({
			kind: "auth-failed",
			detail: "its auth MAC is wrong (another cluster secret, or a replayed handshake)",
		});
		await replay.whenClosed;
		expect(b.received.map((r) => r.message.term)).toEqual([5]);
		expect(b.events.all.filter(isType("inbound-up"))).toHaveLength(1);
	});

	test("bad input while the auth is awaited closes only that connection", async () => {
		const cases: [string, Uint8Array, CloseKind, string][] = [
			[
				"an oversized frame",
				new Uint8Array([0, 0, 0x04, 0x01]),
				"frame",
				"frame of 1025 bytes exceeds the limit of 1024",
			],
			[
				"an auth whose MAC is not 32 bytes of hex",
				frame({ type: "auth", mac: "00" }),
				"handshake",
				"bad handshake: payload fails the schema: mac: a MAC must be 32 bytes of lowercase hex",
			],
			[
				"an auth with an extra field",
				frame({ type: "auth", mac: "00".repeat(32), from: 1 }),
				"handshake",
				"bad handshake",
			],
			[
				"bytes that are not superjson",
				encodeFrame(new Uint8Array([0xff, 0])),
				"handshake",
				"undecodable",
			],
			["an empty frame", new Uint8Array(4), "frame", "frame of 0 bytes"],
		];
		const { a, b } = await listenerWithRealPeer();
		for (const [name, bytes, kind, logged] of cases) {
			const from = b.events.all.length;
			const { client } = await handshake(b.transport.port, () => bytes);
			const closed = await b.events.next(isType("inbound-closed"), from);
			expect({ name, kind: closed.reason.kind }).toEqual({ name, kind });
			await client.whenClosed;
			expect(b.log.at("warn").at(-1)).toContain(logged);
		}
		expect(b.transport.stats().rejected).toEqual({ frame: 2, handshake: 3 });
		await realPeerStillServed(a, b);
	});

	test("a hello never followed by its auth is closed at the handshake deadline", async () => {
		const timers = new ManualTimers();
		const b = startNode(2, { secret, timers });
		nodes.push(b);
		b.transport.setPeer(1, { host: "127.0.0.1", port: 9 });
		const client = await rawClient(b.transport.port);
		client.socket.write(
			frame({ type: "hello", version: PROTOCOL_VERSION, from: 1, to: 2, nonce: toHex(newNonce()) }),
		);
		await until(() => client.received.length > 0, "the welcome");
		timers.advance(2_999);
		expect(b.events.all.some(isType("inbound-closed"))).toBe(false);
		timers.advance(1);
		const closed = await b.events.next(isType("inbound-closed"));
		expect(closed.reason).toEqual({ kind: "handshake-timeout", ms: 3_000 });
		await client.whenClosed;
	});

	test("a connection awaiting its auth still counts against maxPendingHandshakes", async () => {
		const b = startNode(2, { secret, limits: { maxPendingHandshakes: 1 } });
		nodes.push(b);
		b.transport.setPeer(1, { host: "127.0.0.1", port: 9 });
		const first = await rawClient(b.transport.port);
		first.socket.write(
			frame({ type: "hello", version: PROTOCOL_VERSION, from: 1, to: 2, nonce: toHex(newNonce()) }),
		);
		await until(() => first.received.length > 0, "the welcome");
		const second = await rawClient(b.transport.port);
		await second.whenClosed;
		const busy = await b.events.next(closedWith("busy"));
		expect(busy.reason).toEqual({ kind: "busy", pending: 1 });
		first.socket.end();
	});

	test("authentication failures are logged at most 10 a second, then how many were held back", async () => {
		const timers = new ManualTimers();
		const b = startNode(2, { secret, timers });
		nodes.push(b);
		b.transport.setPeer(1, { host: "127.0.0.1", port: 9 });
		const forge = async () => {
			const from = b.events.all.length;
			const { client } = await handshake(b.transport.port, () =>
				frame({ type: "auth", mac: toHex(newNonce()) }),
			);
			await b.events.next(closedWith("auth-failed"), from);
			await client.whenClosed;
		};
		for (let i = 0; i < 13; i++) await forge();
		expect(b.log.at("warn")).toHaveLength(10);
		expect(b.transport.stats().rejected).toEqual({ "auth-failed": 13 });
		timers.advance(1_000);
		await forge();
		const warn = b.log.at("warn");
		expect(warn).toHaveLength(12);
		expect(warn[10]).toBe("3 more warnings like these were suppressed (at most 10 per 1000 ms)");
		expect(warn[11]).toContain("authentication failed");
	});
});
