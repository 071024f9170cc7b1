/**
 * The node-to-node transport of the control plane, over TCP (Bun.listen / Bun.connect).
 * Generic in the message type: the caller supplies the valibot schema every received
 * message must pass, so the Raft messages plug in without this layer knowing them.
 *
 * Each node dials each peer it sends to and listens for the peers that send to it: one
 * connection per direction, so a link's sender never has to read and its listener never
 * has to write after the handshake.
 */
import type { Socket, TCPSocketListener } from "bun";
import * as v from "valibot";
import { systemTimers, type Timers } from "../../edge/lock/timers.ts";
import type { ClusterSecret } from "./cluster-secret.ts";
import { type PayloadCodec, superjsonCodec } from "./codec.ts";
import type { CloseKind, CloseReason, TransportEvent } from "./events.ts";
import { InboundConnection } from "./inbound.ts";
import {
	type TransportLimits,
	type TransportLimitsInput,
	TransportLimitsSchema,
} from "./limits.ts";
import { type Logger, rateLimitedWarn, stderrLogger } from "./log.ts";
import { OutboundLink, type SendOutcome } from "./outbound.ts";
import { newNonce } from "./peer-auth.ts";
import type { PeerTls } from "./peer-tls.ts";
import {
	formatAddress,
	type NodeId,
	NodeIdSchema,
	type PeerAddress,
	PeerAddressObjectSchema,
	type PeerMap,
} from "./peers.ts";
import {
	copyPeerStats,
	emptyPeerStats,
	type PeerSnapshot,
	type PeerStats,
	type TransportStats,
} from "./stats.ts";

export interface TransportOptions<T> {
	readonly self: NodeId;
	/** Where to listen; port 0 lets the OS choose (read it back from `transport.port`). */
	readonly listen: { readonly host: string; readonly port: number };
	/** The other nodes; an entry for `self` is ignored. */
	readonly peers: PeerMap;
	/** What a received message must be; anything else closes its connection. */
	readonly schema: v.GenericSchema<unknown, T>;
	readonly onMessage: (from: NodeId, message: T) => void;
	/** How messages are encoded (default superjson); every node of a cluster uses the same. */
	readonly codec?: PayloadCodec;
	readonly limits?: TransportLimitsInput;
	readonly timers?: Timers;
	/** [0, 1), for backoff jitter. */
	readonly random?: () => number;
	readonly log?: Logger;
	/**
	 * The POP's cluster secret: with one, every connection's handshake is a mutual
	 * challenge-response (peer-auth.ts) and a node that cannot answer it is refused; every
	 * node of a cluster has the same one, or none.
	 */
	readonly secret?: ClusterSecret;
	/** TLS for every connection, both ways (peer-tls.ts); plaintext without it. */
	readonly tls?: PeerTls;
}

/** Options that do not validate. */
export class TransportConfigError extends Error {
	override readonly name = "TransportConfigError";
	constructor(readonly issues: readonly string[]) {
		super(`invalid transport options: ${issues.join("; ")}`);
	}
}

/** The listen address could not be bound (in use, not this machine's). */
export class TransportListenError extends Error {
	override readonly name = "TransportListenError";
	constructor(
		readonly address: string,
		options: { cause: unknown },
	) {
		super(`cannot listen on ${address}: ${String(options.cause)}`, options);
	}
}

const ListenSchema = v.strictObject({
	host: v.pipe(v.string(), v.minLength(1)),
	port: v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(65_535)),
});

function peerIssues(id: NodeId, address: PeerAddress): string[] {
	const issues: string[] = [];
	if (!v.is(NodeIdSchema, id)) issues.push(`peers: ${id} is not a node id`);
	const checked = v.safeParse(PeerAddressObjectSchema, address);
	if (!checked.success) {
		for (const issue of checked.issues) {
			issues.push(`peers: node ${id}: ${v.getDotPath(issue) ?? "address"}: ${issue.message}`);
		}
	}
	return issues;
}

type InboundSocketData = { connection: InboundConnection<unknown> | undefined };

export class Transport<T> {
	readonly #self: NodeId;
	readonly #limits: TransportLimits;
	readonly #codec: PayloadCodec;
	readonly #timers: Timers;
	readonly #random: () => number;
	readonly #log: Logger;
	readonly #secret: ClusterSecret | undefined;
	readonly #tls: PeerTls | undefined;
	/** Shared by both directions: one budget for every authentication failure's WARN. */
	readonly #warnAuth: (line: string) => void;
	readonly #addresses = new Map<NodeId, PeerAddress>();
	readonly #links = new Map<NodeId, OutboundLink>();
	readonly #stats = new Map<NodeId, PeerStats>();
	readonly #inbound = new Set<InboundConnection<T>>();
	/** The newest accepted connection from each peer. */
	readonly #inboundByPeer = new Map<NodeId, InboundConnection<T>>();
	readonly #rejected: Partial<Record<CloseKind, number>> = {};
	readonly #listeners = new Set<(event: TransportEvent) => void>();
	#unknownPeerSends = 0;
	#listener: TCPSocketListener<InboundSocketData> | undefined;
	#port = 0;
	#closed = false;

	private constructor(options: TransportOptions<T>, limits: TransportLimits) {
		this.#self = options.self;
		this.#limits = limits;
		this.#codec = options.codec ?? superjsonCodec;
		this.#timers = options.timers ?? systemTimers;
		this.#random = options.random ?? Math.random;
		this.#log = options.log ?? stderrLogger("info", `transport ${options.self}`);
		this.#secret = options.secret;
		this.#tls = options.tls;
		this.#warnAuth = rateLimitedWarn(this.#log, () => this.#timers.now());
		for (const [id, address] of options.peers) this.setPeer(id, address);
	}

	/** Validates the options, binds the listener, and returns a transport ready to send. */
	static start<T>(options: TransportOptions<T>): Transport<T> {
		const issues: string[] = [];
		const self = v.safeParse(NodeIdSchema, options.self);
		if (!self.success) issues.push(`self: ${self.issues[0].message}`);
		const listen = v.safeParse(ListenSchema, options.listen);
		if (!listen.success) issues.push(...listen.issues.map((i) => `listen: ${i.message}`));
		for (const [id, address] of options.peers) {
			issues.push(...peerIssues(id, address));
		}
		const limits = v.safeParse(TransportLimitsSchema, options.limits ?? {});
		if (!limits.success) {
			for (const issue of limits.issues) {
				const path = v.getDotPath(issue);
				issues.push(`limits${path === null ? "" : `.${path}`}: ${issue.message}`);
			}
		}
		if (!limits.success || issues.length > 0) throw new TransportConfigError(issues);
		const transport = new Transport(options, limits.output);
		transport.#listen(options);
		return transport;
	}

	/** The port listened on (the OS's choice when asked for 0). */
	get port(): number {
		return this.#port;
	}

	get self(): NodeId {
		return this.#self;
	}

	/**
	 * Sends `message` to `peer`, or says why not. Never blocks and never throws for a peer
	 * that is down: the message is dropped and counted, and Raft sends again.
	 */
	send(peer: NodeId, message: T): SendOutcome {
		if (this.#closed) return { sent: false, dropped: "closed" };
		const link = this.#linkTo(peer);
		if (link === undefined) {
			this.#unknownPeerSends += 1;
			return { sent: false, dropped: "unknownPeer" };
		}
		return link.send(message);
	}

	/**
	 * Adds a peer or moves it (a Raft configuration change). A moved peer's link is closed
	 * and redialled at the new address on the next send.
	 */
	setPeer(id: NodeId, address: PeerAddress): void {
		const issues = peerIssues(id, address);
		if (issues.length > 0) throw new TransportConfigError(issues);
		if (id === this.#self) return;
		const known = this.#addresses.get(id);
		if (known !== undefined && known.host === address.host && known.port === address.port) return;
		this.#addresses.set(id, address);
		this.#links.get(id)?.close();
		this.#links.delete(id);
	}

	/** Forgets a peer: its link closes, and its hellos are refused from now on. */
	removePeer(id: NodeId): void {
		this.#addresses.delete(id);
		this.#links.get(id)?.close();
		this.#links.delete(id);
		this.#inboundByPeer.get(id)?.close({ kind: "removed" });
	}

	/** Reports connection events to `listener` until the returned function is called. */
	subscribe(listener: (event: TransportEvent) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	stats(): TransportStats {
		const peers = new Map<NodeId, PeerSnapshot>();
		for (const [id, stats] of this.#stats) {
			peers.set(id, { ...copyPeerStats(stats), link: this.#links.get(id)?.state ?? "idle" });
		}
		return { peers, rejected: { ...this.#rejected }, unknownPeerSends: this.#unknownPeerSends };
	}

	/** Bytes held for `peer` (queued while connecting, or unsent on a slow socket). */
	bufferedBytes(peer: NodeId): number {
		return this.#links.get(peer)?.bufferedBytes ?? 0;
	}

	/** Stops listening, closes every connection and cancels every redial. Idempotent. */
	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		for (const link of this.#links.values()) link.close();
		this.#links.clear();
		for (const connection of [...this.#inbound]) connection.close({ kind: "shutdown" });
		this.#listener?.stop(true);
		this.#log.log("debug", "closed");
	}

	#linkTo(peer: NodeId): OutboundLink | undefined {
		const existing = this.#links.get(peer);
		if (existing !== undefined) return existing;
		const address = this.#addresses.get(peer);
		if (address === undefined) return undefined;
		const link = new OutboundLink({
			self: this.#self,
			peer,
			address,
			limits: this.#limits,
			codec: this.#codec,
			timers: this.#timers,
			random: this.#random,
			secret: this.#secret,
			ca: this.#tls?.ca,
			newNonce,
			log: this.#log,
			warnAuth: this.#warnAuth,
			stats: this.#statsOf(peer),
			emit: (event) => this.#emit(event),
			countRejected: (reason) => this.#countRejected(reason),
		});
		this.#links.set(peer, link);
		return link;
	}

	#statsOf(peer: NodeId): PeerStats {
		let stats = this.#stats.get(peer);
		if (stats === undefined) {
			stats = emptyPeerStats();
			this.#stats.set(peer, stats);
		}
		return stats;
	}

	#listen(options: TransportOptions<T>): void {
		const { host, port } = options.listen;
		const deps = {
			self: this.#self,
			schema: options.schema,
			codec: this.#codec,
			maxFrameBytes: this.#limits.maxFrameBytes,
			secret: this.#secret,
			newNonce,
			log: this.#log,
			warnAuth: this.#warnAuth,
			isPeer: (id: NodeId) => this.#addresses.has(id),
			statsOf: (id: NodeId) => this.#statsOf(id),
			accepted: (peer: NodeId, connection: InboundConnection<T>) => {
				const older = this.#inboundByPeer.get(peer);
				this.#inboundByPeer.set(peer, connection);
				older?.close({ kind: "replaced" });
			},
			closed: (connection: InboundConnection<T>) => {
				this.#inbound.delete(connection);
				const peer = connection.peer;
				if (peer !== undefined && this.#inboundByPeer.get(peer) === connection) {
					this.#inboundByPeer.delete(peer);
				}
			},
			onMessage: options.onMessage,
			emit: (event: TransportEvent) => this.#emit(event),
			countRejected: (reason: CloseReason) => this.#countRejected(reason),
		};
		const handshakeMs = this.#limits.handshakeTimeoutMs;
		const accept = (socket: Socket<InboundSocketData>) => {
			if (this.#closed) {
				socket.terminate();
				return;
			}
			let connection: InboundConnection<T> | undefined;
			const timer = this.#timers.after(handshakeMs, () =>
				connection?.close({ kind: "handshake-timeout", ms: handshakeMs }),
			);
			connection = new InboundConnection(deps, socket as Socket<unknown>, timer);
			socket.data = { connection: connection as InboundConnection<unknown> };
			const pending = this.#pendingHandshakes();
			if (pending >= this.#limits.maxPendingHandshakes) {
				connection.close({ kind: "busy", pending });
				return;
			}
			this.#inbound.add(connection);
		};
		try {
			const tls = this.#tls;
			this.#listener = Bun.listen<InboundSocketData>({
				hostname: host,
				port,
				...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }),
				data: { connection: undefined },
				socket: {
					open: accept,
					data: (socket, chunk) => socket.data.connection?.onData(chunk),
					close: (socket) => socket.data.connection?.close({ kind: "remote-closed" }),
					error: (socket, error) =>
						socket.data.connection?.close({ kind: "socket-error", message: error.message }),
				},
			});
			this.#port = this.#listener.port;
		} catch (cause) {
			throw new TransportListenError(formatAddress({ host, port }), { cause });
		}
		this.#log.log("debug", `listening on ${formatAddress({ host, port: this.port })}`);
	}

	#pendingHandshakes(): number {
		let pending = 0;
		for (const connection of this.#inbound) if (connection.peer === undefined) pending += 1;
		return pending;
	}

	#countRejected(reason: CloseReason): void {
		this.#rejected[reason.kind] = (this.#rejected[reason.kind] ?? 0) + 1;
	}

	/** Events are reported from socket callbacks: a listener's exception must not escape there. */
	#emit(event: TransportEvent): void {
		for (const listener of this.#listeners) {
			try {
				listener(event);
			} catch (error) {
				this.#log.log("error", `event listener threw on ${event.type}: ${String(error)}`);
			}
		}
	}
}

export type { SendOutcome } from "./outbound.ts";
