/**
 * One accepted connection: the receiving half of the transport. Its first frame must be a
 * hello from a known peer addressed to this node; with a cluster secret the next must be an
 * auth frame whose MAC covers the nonce this node drew for the welcome (peer-auth.ts); every
 * later frame is a message that must pass the caller's schema before the consumer sees it.
 * Anything else closes this connection, with the reason logged and counted, and only this one.
 */
import type { Socket } from "bun";
import type * as v from "valibot";
import type { TimerHandle } from "../../edge/lock/timers.ts";
import type { ClusterSecret } from "./cluster-secret.ts";
import { decodePayload, encodePayload, type PayloadCodec } from "./codec.ts";
import type { CloseReason, TransportEvent } from "./events.ts";
import { describeCloseReason, isBadInput } from "./events.ts";
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from "./frame.ts";
import { AuthSchema, HANDSHAKE_FRAME_MAX, HelloSchema } from "./handshake.ts";
import type { Logger } from "./log.ts";
import { type HandshakeContext, toHex, verifyAuthMac, welcomeMac } from "./peer-auth.ts";
import type { NodeId } from "./peers.ts";
import type { PeerStats } from "./stats.ts";

export interface InboundDeps<T> {
	readonly self: NodeId;
	readonly schema: v.GenericSchema<unknown, T>;
	/** The messages' codec (the handshake is always superjson). */
	readonly codec: PayloadCodec;
	readonly maxFrameBytes: number;
	/** With a secret, a hello is only a claim until the auth frame proves it. */
	readonly secret: ClusterSecret | undefined;
	readonly newNonce: () => Uint8Array;
	readonly log: Logger;
	/** Authentication failures go here (rate-limited): a stranger can cause any number. */
	readonly warnAuth: (line: string) => void;
	readonly isPeer: (id: NodeId) => boolean;
	readonly statsOf: (id: NodeId) => PeerStats;
	/**
	 * Called once the handshake is done (the auth verified, with a secret): the transport
	 * closes an older connection from `peer`, so a forged hello cannot cut a real peer's link.
	 */
	readonly accepted: (peer: NodeId, connection: InboundConnection<T>) => void;
	readonly closed: (connection: InboundConnection<T>) => void;
	readonly onMessage: (from: NodeId, message: T) => void;
	readonly emit: (event: TransportEvent) => void;
	readonly countRejected: (reason: CloseReason) => void;
}

export class InboundConnection<T> {
	readonly #deps: InboundDeps<T>;
	readonly #socket: Socket<unknown>;
	readonly #decoder: FrameDecoder;
	readonly remote: string;
	#peer: NodeId | undefined;
	/** Between a hello and its auth (with a secret): who it claims to be, and the nonces. */
	#awaitingAuth: HandshakeContext | undefined;
	#handshakeTimer: TimerHandle | undefined;
	#closed = false;

	constructor(deps: InboundDeps<T>, socket: Socket<unknown>, handshakeTimer: TimerHandle) {
		this.#deps = deps;
		this.#socket = socket;
		this.#decoder = new FrameDecoder(HANDSHAKE_FRAME_MAX);
		this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
		this.#handshakeTimer = handshakeTimer;
		deps.log.log("debug", `accepted a connection from ${this.remote}`);
	}

	/** The node on the other end, once its handshake (and auth) passed. */
	get peer(): NodeId | undefined {
		return this.#peer;
	}

	onData(chunk: Uint8Array): void {
		if (this.#closed) return;
		let reason: CloseReason | undefined;
		const error = this.#decoder.push(chunk, (payload) => {
			if (this.#peer !== undefined) reason = this.#message(this.#peer, payload);
			else if (this.#awaitingAuth !== undefined) reason = this.#auth(this.#awaitingAuth, payload);
			else reason = this.#hello(payload);
			return reason === undefined && !this.#closed;
		});
		if (error !== undefined) reason = { kind: "frame", error };
		if (reason !== undefined) this.close(reason);
	}

	/** Closes this connection (once), saying why. */
	close(closeReason: CloseReason): void {
		if (this.#closed) return;
		this.#closed = true;
		this.#handshakeTimer?.cancel();
		const { log, emit, countRejected, warnAuth } = this.#deps;
		const claimed = this.#awaitingAuth?.dialler;
		// A dialler whose secret differs (or that has none) gives up on our welcome and
		// closes: from here that is a failed authentication, and says so.
		const reason: CloseReason =
			claimed !== undefined &&
			(closeReason.kind === "remote-closed" || closeReason.kind === "socket-error")
				? {
						kind: "auth-failed",
						detail: "it closed before authenticating (another cluster secret, or none)",
					}
				: closeReason;
		const who =
			this.#peer !== undefined
				? `node ${this.#peer} (${this.remote})`
				: claimed !== undefined
					? `${this.remote} (claiming to be node ${claimed})`
					: this.remote;
		const why = describeCloseReason(reason);
		if (reason.kind === "auth-failed") {
			countRejected(reason);
			warnAuth(`closing the connection from ${who}: ${why}`);
		} else if (isBadInput(reason)) {
			countRejected(reason);
			log.log("warn", `closing the connection from ${who}: ${why}`);
		} else {
			log.log("debug", `connection from ${who} closed: ${why}`);
		}
		// end() lets the kernel send what is queued (a welcome); the remote sees a clean FIN.
		this.#socket.end();
		this.#deps.closed(this);
		emit({ type: "inbound-closed", peer: this.#peer, remote: this.remote, reason });
	}

	#hello(payload: Uint8Array): CloseReason | undefined {
		const { self, isPeer, secret, newNonce } = this.#deps;
		const hello = decodePayload(payload, HelloSchema);
		if (!hello.ok) return { kind: "handshake", error: hello.error };
		const { from, to, nonce } = hello.value;
		if (from === self || !isPeer(from)) return { kind: "unknown-peer", id: from };
		if (to !== self) return { kind: "wrong-target", to };
		const context: HandshakeContext = {
			dialler: from,
			listener: self,
			diallerNonce: nonce,
			listenerNonce: newNonce(),
		};
		const welcome = {
			type: "welcome",
			from: self,
			nonce: toHex(context.listenerNonce),
			...(secret === undefined ? {} : { mac: toHex(welcomeMac(secret, context)) }),
		};
		this.#socket.write(encodeFrame(encodePayload(welcome)));
		if (secret === undefined) {
			this.#open(from);
			return undefined;
		}
		// Still a handshake: the small frame limit, the deadline and the pending count stand.
		this.#awaitingAuth = context;
		return undefined;
	}

	#auth(context: HandshakeContext, payload: Uint8Array): CloseReason | undefined {
		const secret = this.#deps.secret;
		if (secret === undefined) return { kind: "unexpected-data" };
		const auth = decodePayload(payload, AuthSchema);
		if (!auth.ok) return { kind: "handshake", error: auth.error };
		if (!verifyAuthMac(secret, context, auth.value.mac)) {
			return {
				kind: "auth-failed",
				detail: "its auth MAC is wrong (another cluster secret, or a replayed handshake)",
			};
		}
		this.#awaitingAuth = undefined;
		this.#open(context.dialler);
		return undefined;
	}

	/** The handshake is done: `from` is the peer, its messages flow. */
	#open(from: NodeId): void {
		const { log, emit, accepted } = this.#deps;
		this.#handshakeTimer?.cancel();
		this.#handshakeTimer = undefined;
		this.#peer = from;
		this.#decoder.setMaxFrameBytes(this.#deps.maxFrameBytes);
		accepted(from, this);
		log.log("debug", `node ${from} connected from ${this.remote}`);
		emit({ type: "inbound-up", peer: from, remote: this.remote });
	}

	#message(from: NodeId, payload: Uint8Array): CloseReason | undefined {
		const { schema, codec, statsOf, log, onMessage } = this.#deps;
		const decoded = decodePayload(payload, schema, codec);
		if (!decoded.ok) return { kind: "payload", error: decoded.error };
		const stats = statsOf(from);
		stats.framesIn += 1;
		stats.bytesIn += FRAME_HEADER_BYTES + payload.byteLength;
		if (log.enabled("trace")) {
			log.log(
				"trace",
				`frame of ${FRAME_HEADER_BYTES + payload.byteLength} bytes from node ${from}`,
			);
		}
		try {
			onMessage(from, decoded.value);
		} catch (error) {
			// The consumer's bug is not the peer's fault: keep the connection, say so loudly.
			log.log("error", `message handler threw on a message from node ${from}: ${String(error)}`);
		}
		return undefined;
	}
}
