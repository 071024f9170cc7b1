/**
 * One accepted connection: the receiving half of the transport. Its first frame must be a
 * hello from a known peer addressed to this node; every later frame is a message that must
 * pass the caller's schema before the consumer sees it. Anything else closes this
 * connection, with the reason logged and counted, and only this one.
 */
import type { Socket } from "bun";
import type * as v from "valibot";
import type { TimerHandle } from "../../edge/lock/timers.ts";
import { decodePayload, encodePayload, type PayloadCodec } from "./codec.ts";
import type { CloseReason, TransportEvent } from "./events.ts";
import { describeCloseReason, isBadInput } from "./events.ts";
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from "./frame.ts";
import { HANDSHAKE_FRAME_MAX, HelloSchema } from "./handshake.ts";
import type { Logger } from "./log.ts";
import type { NodeId } from "./peers.ts";
import type { PeerStats } from "./stats.ts";

export interface InboundDeps<T> {
	readonly self: NodeId;
	readonly schema: v.GenericSchema<unknown, T>;
	/** The messages' codec (the handshake is always superjson). */
	readonly codec: PayloadCodec;
	readonly maxFrameBytes: number;
	readonly log: Logger;
	readonly isPeer: (id: NodeId) => boolean;
	readonly statsOf: (id: NodeId) => PeerStats;
	/** Called once the hello is accepted: the transport closes an older connection from `peer`. */
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

	/** The node on the other end, once its hello was accepted. */
	get peer(): NodeId | undefined {
		return this.#peer;
	}

	onData(chunk: Uint8Array): void {
		if (this.#closed) return;
		let reason: CloseReason | undefined;
		const error = this.#decoder.push(chunk, (payload) => {
			reason = this.#peer === undefined ? this.#hello(payload) : this.#message(this.#peer, payload);
			return reason === undefined && !this.#closed;
		});
		if (error !== undefined) reason = { kind: "frame", error };
		if (reason !== undefined) this.close(reason);
	}

	/** Closes this connection (once), saying why. */
	close(reason: CloseReason): void {
		if (this.#closed) return;
		this.#closed = true;
		this.#handshakeTimer?.cancel();
		const { log, emit, countRejected } = this.#deps;
		const who = this.#peer === undefined ? this.remote : `node ${this.#peer} (${this.remote})`;
		const why = describeCloseReason(reason);
		if (isBadInput(reason)) {
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
		const { self, isPeer, log, emit, accepted } = this.#deps;
		const hello = decodePayload(payload, HelloSchema);
		if (!hello.ok) return { kind: "handshake", error: hello.error };
		const { from, to } = hello.value;
		if (from === self || !isPeer(from)) return { kind: "unknown-peer", id: from };
		if (to !== self) return { kind: "wrong-target", to };
		this.#handshakeTimer?.cancel();
		this.#handshakeTimer = undefined;
		this.#peer = from;
		this.#decoder.setMaxFrameBytes(this.#deps.maxFrameBytes);
		accepted(from, this);
		this.#socket.write(encodeFrame(encodePayload({ type: "welcome", from: self })));
		log.log("debug", `node ${from} connected from ${this.remote}`);
		emit({ type: "inbound-up", peer: from, remote: this.remote });
		return undefined;
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
