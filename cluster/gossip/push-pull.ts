/**
 * Push-pull over TCP: the initiator connects, sends its state as one frame (the transport's
 * 4-byte length framing, cluster/transport/frame.ts), the answerer merges it and sends its
 * own state back, and both close. One exchange per connection, bounded in size and time;
 * a bad frame or a late answer closes the connection, counted and logged, never thrown out
 * of a socket handler. With a cluster secret each frame is tagged (datagram-tag.ts: "push"
 * one way, "pull" the other) and one without a valid tag is refused before it is parsed.
 */
import type { Socket, TCPSocketListener } from "bun";
import type { TimerHandle, Timers } from "../../edge/lock/timers.ts";
import { encodeFrame, FrameDecoder } from "../transport/frame.ts";
import type { Logger } from "../transport/log.ts";
import { type DropReason, type DropStats, decodeState, encodeState } from "./codec.ts";
import { type GossipTags, openTagged } from "./datagram-tag.ts";
import type { PushPullState } from "./messages.ts";

export interface PushPullLimits {
	/** Largest state accepted (a frame's payload). */
	readonly maxStateBytes: number;
	/** A whole exchange, connect to answer. */
	readonly timeoutMs: number;
	/**
	 * Incoming exchanges served at once; a connection beyond them is closed at once. Each
	 * may hold a frame of up to maxStateBytes for up to timeoutMs, so this bounds what
	 * strangers on the port can make us hold (measured before the bound: 100 connections
	 * each sending an unfinished 8 MiB frame held 600 MB). An exchange takes milliseconds
	 * and each member starts one per push-pull interval, so 16 is never reached in use;
	 * a refused joiner tries its seeds again while it is alone.
	 */
	readonly maxConnections: number;
}

/** What a GossipNode uses unless told otherwise. */
export const DEFAULT_PUSH_PULL: PushPullLimits = {
	maxStateBytes: 8 * 1024 * 1024,
	timeoutMs: 5_000,
	maxConnections: 16,
};

interface Conn {
	readonly decoder: FrameDecoder;
	pending: Uint8Array | undefined;
	done: boolean;
	timer: TimerHandle | undefined;
	/** Whether this connection holds one of the listener's maxConnections places. */
	counted: boolean;
}

/** Writes what the socket takes now and the rest on drain. */
function writeAll(socket: Socket<Conn>, bytes: Uint8Array): void {
	const taken = socket.write(bytes);
	socket.data.pending = taken < bytes.byteLength ? bytes.subarray(Math.max(0, taken)) : undefined;
}

function flush(socket: Socket<Conn>): void {
	const pending = socket.data.pending;
	if (pending !== undefined) writeAll(socket, pending);
	if (socket.data.pending === undefined && socket.data.done) socket.end();
}

/** Bytes moved by push-pull (both directions, frames included), for the traffic figures. */
export interface PushPullTraffic {
	bytesIn: number;
	bytesOut: number;
}

export interface PushPullServerDeps {
	readonly traffic?: PushPullTraffic;
	readonly limits: PushPullLimits;
	readonly timers: Timers;
	readonly log: Logger;
	readonly drops: DropStats;
	readonly tags: GossipTags;
	/**
	 * Where refusals for a missing or wrong tag, or for too many connections, are logged
	 * (rate-limited: anyone can cause them).
	 */
	readonly warnBadTag: (line: string) => void;
	/** Merges the remote state and returns ours (after the merge) to send back. */
	readonly answer: (remote: PushPullState, remoteAddress: string) => PushPullState;
}

export function listenPushPull(
	hostname: string,
	port: number,
	deps: PushPullServerDeps,
): TCPSocketListener<Conn> {
	const refuse = (socket: Socket<Conn>, reason: DropReason, detail: string) => {
		deps.drops[reason]++;
		const line = `push-pull from ${socket.remoteAddress} refused (${reason}): ${detail}`;
		if (reason === "bad-tag" || reason === "busy") deps.warnBadTag(line);
		else deps.log.log("warn", line);
		socket.data.done = true;
		socket.end();
	};
	let open = 0;
	return Bun.listen<Conn>({
		hostname,
		port,
		socket: {
			open(socket) {
				if (open >= deps.limits.maxConnections) {
					socket.data = {
						decoder: new FrameDecoder(1),
						pending: undefined,
						done: true,
						timer: undefined,
						counted: false,
					};
					refuse(
						socket,
						"busy",
						`${open} exchanges already open (at most ${deps.limits.maxConnections})`,
					);
					return;
				}
				open++;
				socket.data = {
					decoder: new FrameDecoder(deps.limits.maxStateBytes + deps.tags.bytes),
					pending: undefined,
					done: false,
					timer: deps.timers.after(deps.limits.timeoutMs, () => socket.end()),
					counted: true,
				};
			},
			data(socket, chunk) {
				if (socket.data.done) return;
				if (deps.traffic) deps.traffic.bytesIn += chunk.byteLength;
				const error = socket.data.decoder.push(chunk, (sealed) => {
					const { limits, tags } = deps;
					const opened = openTagged(tags, "push", sealed, limits.maxStateBytes);
					const decoded = opened.ok ? decodeState(opened.value, limits.maxStateBytes) : opened;
					if (!decoded.ok) {
						refuse(socket, decoded.reason, decoded.detail);
						return false;
					}
					socket.data.done = true;
					const answer = encodeState(deps.answer(decoded.value, socket.remoteAddress));
					const reply = encodeFrame(tags.seal("pull", answer));
					if (deps.traffic) deps.traffic.bytesOut += reply.byteLength;
					writeAll(socket, reply);
					flush(socket);
					return false;
				});
				if (error !== undefined) refuse(socket, "oversized", error.kind);
			},
			drain: flush,
			close(socket) {
				socket.data?.timer?.cancel();
				if (socket.data?.counted) {
					socket.data.counted = false;
					open--;
				}
			},
			error(socket, error) {
				deps.log.log(
					"debug",
					`push-pull socket error from ${socket.remoteAddress}: ${error.message}`,
				);
			},
		},
	});
}

export type ExchangeResult =
	| { readonly ok: true; readonly state: PushPullState }
	| { readonly ok: false; readonly error: string };

/** What one exchange needs besides the address and the state. */
export interface PushPullClientDeps {
	readonly limits: PushPullLimits;
	readonly timers: Timers;
	readonly drops: DropStats;
	readonly traffic?: PushPullTraffic;
	readonly tags: GossipTags;
}

/**
 * Sends `state` to `host:port` and resolves with the answer, or with why there is none
 * (refused, closed early, timed out, bad answer). Never rejects.
 */
export function exchangePushPull(
	host: string,
	port: number,
	state: PushPullState,
	deps: PushPullClientDeps,
): Promise<ExchangeResult> {
	const { limits, timers, drops, traffic, tags } = deps;
	return new Promise((resolve) => {
		let settled = false;
		let socketRef: Socket<Conn> | undefined;
		const settle = (result: ExchangeResult) => {
			if (settled) return;
			settled = true;
			timer.cancel();
			socketRef?.end();
			resolve(result);
		};
		const timer = timers.after(limits.timeoutMs, () =>
			settle({ ok: false, error: `no answer within ${limits.timeoutMs} ms` }),
		);
		const frame = encodeFrame(tags.seal("push", encodeState(state)));
		if (traffic) traffic.bytesOut += frame.byteLength;
		try {
			Bun.connect<Conn>({
				hostname: host,
				port,
				data: {
					decoder: new FrameDecoder(limits.maxStateBytes + tags.bytes),
					pending: undefined,
					done: false,
					timer: undefined,
					counted: false,
				},
				socket: {
					open(socket) {
						socketRef = socket;
						if (settled) {
							socket.end();
							return;
						}
						writeAll(socket, frame);
					},
					data(socket, chunk) {
						if (traffic) traffic.bytesIn += chunk.byteLength;
						const error = socket.data.decoder.push(chunk, (sealed) => {
							const opened = openTagged(tags, "pull", sealed, limits.maxStateBytes);
							const decoded = opened.ok ? decodeState(opened.value, limits.maxStateBytes) : opened;
							if (!decoded.ok) {
								drops[decoded.reason]++;
								settle({ ok: false, error: `bad answer (${decoded.reason}): ${decoded.detail}` });
							} else {
								settle({ ok: true, state: decoded.value });
							}
							return false;
						});
						if (error !== undefined) {
							drops.oversized++;
							settle({ ok: false, error: `bad answer frame: ${error.kind}` });
						}
					},
					drain: flush,
					close() {
						settle({ ok: false, error: "closed before answering" });
					},
					connectError(_socket, error) {
						settle({ ok: false, error: `connect failed: ${error.message}` });
					},
					error(_socket, error) {
						settle({ ok: false, error: error.message });
					},
				},
			}).catch((error: unknown) => settle({ ok: false, error: String(error) }));
		} catch (error) {
			settle({ ok: false, error: String(error) });
		}
	});
}
