/**
 * One dialled link to one peer: the sending half of the transport. Dialled lazily on the
 * first send, redialled after any failure with capped, jittered exponential backoff.
 * While the link is being made, sends queue (bounded); while it is down, they are dropped,
 * since Raft retransmits and a stale message is worth less than a bounded memory.
 */
import type { Socket } from "bun";
import type { TimerHandle, Timers } from "../../edge/lock/timers.ts";
import { backoffDelayMs } from "./backoff.ts";
import type { ClusterSecret } from "./cluster-secret.ts";
import { decodePayload, encodePayload, type PayloadCodec } from "./codec.ts";
import type { CloseReason, TransportEvent } from "./events.ts";
import { describeCloseReason, isBadInput } from "./events.ts";
import { encodeFrame, FrameDecoder } from "./frame.ts";
import { HANDSHAKE_FRAME_MAX, PROTOCOL_VERSION, WelcomeSchema } from "./handshake.ts";
import type { TransportLimits } from "./limits.ts";
import { type Logger, rateLimitedWarn } from "./log.ts";
import { authMac, checkWelcome, type HandshakeContext, toHex } from "./peer-auth.ts";
import type { NodeId, PeerAddress } from "./peers.ts";
import { formatAddress } from "./peers.ts";
import type { DropCause, LinkState, PeerStats } from "./stats.ts";
import { WriteBuffer } from "./write-buffer.ts";

export type SendOutcome =
	| { readonly sent: true; readonly how: "written" | "buffered" | "queued" }
	| { readonly sent: false; readonly dropped: DropCause | "unknownPeer" | "closed" };

export interface OutboundDeps {
	readonly self: NodeId;
	readonly peer: NodeId;
	readonly address: PeerAddress;
	readonly limits: TransportLimits;
	/** The messages' codec (the handshake is always superjson). */
	readonly codec: PayloadCodec;
	readonly timers: Timers;
	readonly random: () => number;
	/** With a secret, the peer counts as up only once its welcome's MAC verifies. */
	readonly secret: ClusterSecret | undefined;
	/** With TLS (peer-tls.ts): the authority the peer's certificate must chain to. */
	readonly ca?: string | undefined;
	readonly newNonce: () => Uint8Array;
	readonly log: Logger;
	/** Authentication failures go here (rate-limited). */
	readonly warnAuth: (line: string) => void;
	readonly stats: PeerStats;
	readonly emit: (event: TransportEvent) => void;
	readonly countRejected: (reason: CloseReason) => void;
}

type State =
	| { readonly name: "idle" }
	| {
			readonly name: "connecting";
			socket: Socket<undefined> | undefined;
			/** This attempt's challenge, sent in the hello. */
			readonly nonce: Uint8Array;
			readonly decoder: FrameDecoder;
			readonly queue: Uint8Array[];
			queuedBytes: number;
			readonly timeout: TimerHandle;
	  }
	| { readonly name: "open"; readonly socket: Socket<undefined>; readonly out: WriteBuffer }
	| { readonly name: "backoff"; readonly timer: TimerHandle }
	| { readonly name: "closed" };

export class OutboundLink {
	/** WARN lines for messages over the frame limit, at most a few a second. */
	readonly #warnTooLarge: (line: string) => void;
	readonly #deps: OutboundDeps;
	#state: State = { name: "idle" };
	/** Identifies the current attempt: callbacks from an abandoned socket check it and stop. */
	#attempt = 0;
	/** Failures since the last welcome: the backoff exponent. */
	#failures = 0;

	constructor(deps: OutboundDeps) {
		this.#deps = deps;
		this.#warnTooLarge = rateLimitedWarn(deps.log, () => deps.timers.now());
	}

	get state(): LinkState {
		return this.#state.name;
	}

	/** Bytes held for this peer: queued while connecting, or unsent on the socket. */
	get bufferedBytes(): number {
		const state = this.#state;
		if (state.name === "connecting") return state.queuedBytes;
		if (state.name === "open") return state.out.pendingBytes;
		return 0;
	}

	send(message: unknown): SendOutcome {
		const { limits, stats } = this.#deps;
		if (this.#state.name === "closed") return { sent: false, dropped: "closed" };
		if (this.#state.name === "backoff") return this.#drop("peerDown");
		const payload = encodePayload(message, this.#deps.codec);
		if (payload.byteLength > limits.maxFrameBytes) {
			// Not a transient condition like the others: Raft sends the same message again and
			// it is dropped again, so a stalled link must be visible without TRACE.
			this.#warnTooLarge(
				`dropped a message of ${payload.byteLength} bytes to node ${this.#deps.peer}: over the ${limits.maxFrameBytes}-byte frame limit`,
			);
			return this.#drop("tooLarge");
		}
		const frame = encodeFrame(payload);
		if (this.#state.name === "idle") this.#dial();
		const state = this.#state;
		if (state.name === "connecting") {
			if (
				state.queue.length >= limits.maxQueuedMessages ||
				state.queuedBytes + frame.byteLength > limits.maxBufferedBytes
			) {
				return this.#drop("queueFull");
			}
			state.queue.push(frame);
			state.queuedBytes += frame.byteLength;
			return { sent: true, how: "queued" };
		}
		if (state.name !== "open") return this.#drop("peerDown");
		if (state.out.pendingBytes + frame.byteLength > limits.maxBufferedBytes) {
			return this.#drop("backpressure");
		}
		const how = state.out.write(state.socket, frame);
		if (how === "closed") {
			this.#fail(this.#attempt, { kind: "remote-closed" });
			return this.#drop("peerDown");
		}
		stats.framesOut += 1;
		stats.bytesOut += frame.byteLength;
		this.#trace(frame.byteLength);
		return { sent: true, how };
	}

	/** Ends the link for good: no redial, queued bytes discarded. */
	close(): void {
		const state = this.#state;
		this.#attempt += 1;
		this.#state = { name: "closed" };
		if (state.name === "connecting") {
			state.timeout.cancel();
			state.socket?.end();
		} else if (state.name === "open") {
			state.socket.end();
		} else if (state.name === "backoff") {
			state.timer.cancel();
		}
	}

	#dial(): void {
		const { address, limits, timers, log, peer } = this.#deps;
		const attempt = ++this.#attempt;
		const state: State = {
			name: "connecting",
			socket: undefined,
			nonce: this.#deps.newNonce(),
			// The only frame a listener sends is its welcome.
			decoder: new FrameDecoder(HANDSHAKE_FRAME_MAX),
			queue: [],
			queuedBytes: 0,
			timeout: timers.after(limits.connectTimeoutMs, () =>
				this.#fail(attempt, { kind: "handshake-timeout", ms: limits.connectTimeoutMs }),
			),
		};
		this.#state = state;
		log.log("debug", `dialling node ${peer} at ${formatAddress(address)}`);
		this.#connect(attempt, state);
	}

	#connect(attempt: number, state: Extract<State, { name: "connecting" }>): void {
		const current = () => this.#attempt === attempt;
		// Bun.connect can also throw at once (an address it cannot use); that is a failed
		// attempt like any other, not an exception out of send().
		let connecting: Promise<unknown>;
		try {
			connecting = this.#bunConnect(attempt, state, current);
		} catch (error) {
			this.#fail(attempt, { kind: "connect-failed", message: messageOf(error) });
			return;
		}
		connecting.catch((error: unknown) =>
			this.#fail(attempt, { kind: "connect-failed", message: messageOf(error) }),
		);
	}

	#bunConnect(
		attempt: number,
		state: Extract<State, { name: "connecting" }>,
		current: () => boolean,
	): Promise<unknown> {
		const { address, peer, ca } = this.#deps;
		const hello = (socket: Socket<undefined>) => {
			if (!current()) {
				socket.terminate();
				return;
			}
			state.socket = socket;
			const frame = {
				type: "hello",
				version: PROTOCOL_VERSION,
				from: this.#deps.self,
				to: peer,
				nonce: toHex(state.nonce),
			};
			// A fresh socket's send buffer takes a few dozen bytes whole.
			socket.write(encodeFrame(encodePayload(frame)));
		};
		return Bun.connect({
			hostname: address.host,
			port: address.port,
			// With TLS the hello waits for the handshake: bytes written before it ends go unread.
			...(ca === undefined ? {} : { tls: { ca } }),
			socket: {
				open: (socket) => {
					if (ca === undefined) hello(socket);
				},
				handshake: (socket, success, error) => {
					if (ca === undefined) return;
					if (success) hello(socket);
					else
						this.#fail(attempt, {
							kind: "tls-refused",
							message: error?.message ?? "the peer's certificate was not accepted",
						});
				},
				data: (socket, chunk) => {
					if (!current()) {
						socket.terminate();
						return;
					}
					this.#onData(attempt, chunk);
				},
				drain: (socket) => {
					const open = this.#state;
					if (!current() || open.name !== "open") return;
					if (!open.out.flush(socket)) this.#fail(attempt, { kind: "remote-closed" });
				},
				close: () => this.#fail(attempt, { kind: "remote-closed" }),
				error: (_socket, error) =>
					this.#fail(attempt, { kind: "socket-error", message: error.message }),
				connectError: (_socket, error) =>
					this.#fail(attempt, { kind: "connect-failed", message: error.message }),
			},
		});
	}

	/** Before the welcome, frames are handshake; after it, any byte is a protocol error. */
	#onData(attempt: number, chunk: Uint8Array): void {
		const state = this.#state;
		if (state.name !== "connecting") {
			this.#fail(attempt, { kind: "unexpected-data" });
			return;
		}
		let outcome: CloseReason | { readonly auth: Uint8Array | undefined } | undefined;
		const error = state.decoder.push(chunk, (payload) => {
			if (outcome !== undefined) {
				outcome = { kind: "unexpected-data" };
				return false;
			}
			outcome = this.#welcome(state, payload);
			return !("kind" in outcome);
		});
		if (error !== undefined) outcome = { kind: "frame", error };
		if (outcome === undefined) return;
		if ("kind" in outcome) this.#fail(attempt, outcome);
		else this.#open(state, outcome.auth);
	}

	/**
	 * Checks a welcome: from the peer meant, and (with a secret) proving it. Returns the auth
	 * frame to send before anything else (none without a secret), or why the attempt failed.
	 */
	#welcome(
		state: Extract<State, { name: "connecting" }>,
		payload: Uint8Array,
	): CloseReason | { readonly auth: Uint8Array | undefined } {
		const { self, peer, secret } = this.#deps;
		const welcome = decodePayload(payload, WelcomeSchema);
		if (!welcome.ok) return { kind: "handshake", error: welcome.error };
		if (welcome.value.from !== peer) {
			return { kind: "wrong-peer", expected: peer, got: welcome.value.from };
		}
		const context: HandshakeContext = {
			dialler: self,
			listener: peer,
			diallerNonce: state.nonce,
			listenerNonce: welcome.value.nonce,
		};
		const checked = checkWelcome(secret, context, welcome.value.mac);
		if (!checked.ok) return { kind: "auth-failed", detail: checked.detail };
		if (secret === undefined) return { auth: undefined };
		const auth = { type: "auth", mac: toHex(authMac(secret, context)) };
		return { auth: encodeFrame(encodePayload(auth)) };
	}

	#open(connecting: Extract<State, { name: "connecting" }>, auth: Uint8Array | undefined): void {
		const { stats, log, peer, emit } = this.#deps;
		const socket = connecting.socket;
		connecting.timeout.cancel();
		if (socket === undefined) return;
		const out = new WriteBuffer();
		// The listener takes no message before the auth: it goes first, in the same buffer,
		// and a socket that cannot take it is a failed attempt, not a peer that was up.
		if (auth !== undefined && out.write(socket, auth) === "closed") {
			this.#fail(this.#attempt, { kind: "remote-closed" });
			return;
		}
		this.#state = { name: "open", socket, out };
		this.#failures = 0;
		stats.ups += 1;
		log.log("info", `peer ${peer} up (${formatAddress(this.#deps.address)})`);
		emit({ type: "peer-up", peer });
		for (const frame of connecting.queue) {
			if (out.write(socket, frame) === "closed") {
				this.#fail(this.#attempt, { kind: "remote-closed" });
				return;
			}
			stats.framesOut += 1;
			stats.bytesOut += frame.byteLength;
			this.#trace(frame.byteLength);
		}
	}

	/** Ends the current attempt or link (once: later callbacks of its socket are ignored). */
	#fail(attempt: number, reason: CloseReason): void {
		if (attempt !== this.#attempt) return;
		const state = this.#state;
		if (state.name !== "connecting" && state.name !== "open") return;
		const { peer, log, emit, stats, limits, timers, random } = this.#deps;
		this.#attempt += 1;
		const wasUp = state.name === "open";
		if (state.name === "connecting") {
			state.timeout.cancel();
			stats.dropped.peerDown += state.queue.length;
			state.socket?.terminate();
		} else {
			state.socket.terminate();
		}
		const why = describeCloseReason(reason);
		if (reason.kind === "auth-failed") {
			this.#deps.countRejected(reason);
			this.#deps.warnAuth(`closing link to node ${peer}: ${why}`);
		} else if (isBadInput(reason)) {
			this.#deps.countRejected(reason);
			log.log("warn", `closing link to node ${peer}: ${why}`);
		}
		if (wasUp) log.log("info", `peer ${peer} down: ${why}`);
		else log.log("debug", `link to node ${peer} not made: ${why}`);
		emit({ type: "peer-down", peer, wasUp, reason });
		const delayMs = backoffDelayMs(
			{ baseMs: limits.backoffBaseMs, maxMs: limits.backoffMaxMs },
			this.#failures,
			random,
		);
		this.#failures += 1;
		const timer = timers.after(delayMs, () => {
			if (this.#state.name !== "backoff" || this.#state.timer !== timer) return;
			stats.reconnects += 1;
			this.#dial();
		});
		this.#state = { name: "backoff", timer };
		log.log("debug", `redialling node ${peer} in ${delayMs} ms (attempt ${this.#failures})`);
		emit({ type: "reconnect-scheduled", peer, attempt: this.#failures, delayMs });
	}

	#drop(cause: DropCause): SendOutcome {
		this.#deps.stats.dropped[cause] += 1;
		if (this.#deps.log.enabled("trace")) {
			this.#deps.log.log("trace", `dropped a message to node ${this.#deps.peer}: ${cause}`);
		}
		return { sent: false, dropped: cause };
	}

	#trace(bytes: number): void {
		if (this.#deps.log.enabled("trace")) {
			this.#deps.log.log("trace", `frame of ${bytes} bytes to node ${this.#deps.peer}`);
		}
	}
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
