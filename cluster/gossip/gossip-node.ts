/**
 * A SWIM member with real I/O: the pure core (swim.ts) on a timer, probes and gossip over a
 * UDP socket (Bun.udpSocket), push-pull over TCP on the same port number (push-pull.ts).
 * Every datagram is decoded and validated before the core sees it; garbage is dropped and
 * counted by reason. With a cluster secret every datagram and push-pull frame carries a tag
 * (datagram-tag.ts), checked before anything else is read. Logs: TRACE packets, DEBUG
 * suspicion and drops, INFO membership changes, WARN (rate-limited) a missing or wrong tag.
 */
import type { TCPSocketListener, udp } from "bun";
import { formatHostPort } from "../../edge/http/host-port.ts";
import { systemTimers, type TimerHandle, type Timers } from "../../edge/lock/timers.ts";
import type { ClusterSecret } from "../transport/cluster-secret.ts";
import { type Logger, rateLimitedWarn, stderrLogger } from "../transport/log.ts";
import type { AppState, Piggyback } from "./app-channel.ts";
import { bindPortPair } from "./bind-pair.ts";
import { type DropStats, decodePacket, emptyDropStats, encodePacket } from "./codec.ts";
import { type SwimConfig, swimConfig } from "./config.ts";
import { type GossipTags, gossipTags, openTagged } from "./datagram-tag.ts";
import type { PushPullState } from "./messages.ts";
import type { MembershipEvent, Output } from "./output.ts";
import {
	DEFAULT_PUSH_PULL,
	exchangePushPull,
	listenPushPull,
	type PushPullLimits,
	type PushPullTraffic,
} from "./push-pull.ts";
import { Swim, type SwimStats } from "./swim.ts";
import type { Member, NodeId, NodeMeta } from "./types.ts";

export interface GossipNodeOptions {
	readonly id: NodeId;
	/** Interface to bind (UDP and TCP). */
	readonly host: string;
	/** Port for both sockets; 0 picks a free one for both (bind-pair.ts). */
	readonly port: number;
	/** host to advertise to others, when it differs from `host` (0.0.0.0 binds). */
	readonly advertiseHost?: string;
	readonly meta: NodeMeta;
	readonly config?: Partial<SwimConfig>;
	readonly logger?: Logger;
	readonly timers?: Timers;
	readonly random?: () => number;
	readonly piggyback?: Piggyback;
	readonly appState?: AppState;
	/** Start above what the fleet may remember of a previous run (e.g. the boot time in seconds). */
	readonly incarnation?: number;
	readonly pushPull?: Partial<PushPullLimits>;
	/**
	 * The POP's cluster secret: every datagram and push-pull frame is then tagged, and one
	 * without a valid tag is dropped unread. Every node of a cluster has the same one, or none.
	 */
	readonly secret?: ClusterSecret;
}

export interface GossipNodeStats {
	readonly core: SwimStats;
	/** Datagrams and push-pull frames refused, by reason. */
	readonly drops: DropStats;
	packetsIn: number;
	packetsOut: number;
	/** Datagram bytes received and sent (what probes and dissemination cost). */
	bytesIn: number;
	bytesOut: number;
	/** Push-pull bytes over TCP, both as initiator and as answerer. */
	readonly pushPullTraffic: PushPullTraffic;
	pushPulls: number;
	pushPullFailures: number;
}

export class GossipNode {
	readonly core: Swim;
	readonly address: string;
	readonly stats: GossipNodeStats;
	readonly #udp: udp.Socket<"buffer">;
	readonly #tcp: TCPSocketListener<unknown>;
	readonly #timers: Timers;
	readonly #log: Logger;
	readonly #limits: PushPullLimits;
	readonly #tags: GossipTags;
	readonly #warnBadTag: (line: string) => void;
	readonly #listeners = new Set<(event: MembershipEvent) => void>();
	#timer: TimerHandle | undefined;
	#timerAt = Number.POSITIVE_INFINITY;
	#stopped = false;
	#seeds: readonly string[] = [];
	#lastRejoin = Number.NEGATIVE_INFINITY;

	private constructor(
		core: Swim,
		udpSocket: udp.Socket<"buffer">,
		tcp: TCPSocketListener<unknown>,
		timers: Timers,
		log: Logger,
		limits: PushPullLimits,
		stats: GossipNodeStats,
		tags: GossipTags,
		warnBadTag: (line: string) => void,
	) {
		this.core = core;
		this.address = core.address;
		this.#udp = udpSocket;
		this.#tcp = tcp;
		this.#timers = timers;
		this.#log = log;
		this.#limits = limits;
		this.stats = stats;
		this.#tags = tags;
		this.#warnBadTag = warnBadTag;
	}

	static async start(options: GossipNodeOptions): Promise<GossipNode> {
		const config = swimConfig(options.config);
		const timers = options.timers ?? systemTimers;
		const log = options.logger ?? stderrLogger("info", `gossip ${options.id}`);
		const limits = { ...DEFAULT_PUSH_PULL, ...options.pushPull };
		const drops = emptyDropStats();
		const tags = gossipTags(options.secret);
		// Anyone who can send to the port can cause these: a few lines a second at most.
		const warnBadTag = rateLimitedWarn(log, () => timers.now());
		let node: GossipNode | undefined;
		const pushPullTraffic: PushPullTraffic = { bytesIn: 0, bytesOut: 0 };
		const { tcp, udp: udpSocket } = await bindPortPair(options.port, {
			listenTcp: (port) =>
				listenPushPull(options.host, port, {
					traffic: pushPullTraffic,
					limits,
					timers,
					log,
					drops,
					tags,
					warnBadTag,
					answer: (remote) => {
						if (node === undefined) throw new Error("push-pull before start");
						return node.#answerPushPull(remote);
					},
				}) as TCPSocketListener<unknown>,
			bindUdp: (port) =>
				Bun.udpSocket({
					hostname: options.host,
					port,
					socket: {
						data: (_socket, data, port, address) => {
							if (node !== undefined) node.#onDatagram(data, address, port);
						},
						error: (_socket, error) =>
							log.log("debug", `udp socket error: ${String(error?.message ?? error)}`),
					},
				}),
		});
		const address = formatHostPort(options.advertiseHost ?? options.host, tcp.port);
		const core = new Swim({
			id: options.id,
			address,
			meta: options.meta,
			config,
			random: options.random ?? Math.random,
			now: timers.now(),
			...(options.incarnation !== undefined ? { incarnation: options.incarnation } : {}),
			...(options.piggyback !== undefined ? { piggyback: options.piggyback } : {}),
			...(options.appState !== undefined ? { appState: options.appState } : {}),
		});
		const stats: GossipNodeStats = {
			core: core.stats,
			drops,
			packetsIn: 0,
			packetsOut: 0,
			bytesIn: 0,
			bytesOut: 0,
			pushPullTraffic,
			pushPulls: 0,
			pushPullFailures: 0,
		};
		node = new GossipNode(core, udpSocket, tcp, timers, log, limits, stats, tags, warnBadTag);
		log.log("info", `gossip ${options.id} listening on ${address} (udp + tcp)`);
		node.#schedule();
		return node;
	}

	/** Membership changes (and our own leave / metadata), as they happen. Returns an unsubscribe. */
	onEvent(listener: (event: MembershipEvent) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	members(): Member[] {
		return this.core.members();
	}

	/**
	 * Joins through seed addresses (host:port): a push-pull with each. Resolves with how many
	 * answered. The seeds are remembered: a node that finds itself alone tries them again at
	 * every push-pull interval (memberlist's trap: partitioned nodes that never rejoin).
	 */
	async join(seeds: readonly string[]): Promise<number> {
		this.#seeds = seeds;
		this.#lastRejoin = this.#timers.now();
		const results = await Promise.all(seeds.map((seed) => this.#pushPull(seed)));
		return results.filter(Boolean).length;
	}

	updateMeta(meta: NodeMeta): void {
		this.#handle(this.core.updateMeta(meta, this.#timers.now()));
	}

	/**
	 * Graceful leave: broadcasts `left`, gives the packets one probe timeout to go out (and
	 * answers to arrive), then stops.
	 */
	async leave(): Promise<void> {
		if (this.#stopped) return;
		this.#handle(this.core.leave(this.#timers.now()));
		await new Promise<void>((resolve) =>
			this.#timers.after(this.core.config.probeTimeoutMs, resolve),
		);
		this.stop();
	}

	/** Stops at once: no goodbye (the others will find us dead). */
	stop(): void {
		if (this.#stopped) return;
		this.#stopped = true;
		this.#timer?.cancel();
		this.#udp.close();
		this.#tcp.stop(true);
	}

	#onDatagram(data: Buffer, host: string, port: number): void {
		if (this.#stopped) return;
		this.stats.packetsIn++;
		this.stats.bytesIn += data.byteLength;
		const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
		const max = this.core.config.maxPacketBytes;
		const opened = openTagged(this.#tags, "datagram", bytes, max);
		const decoded = opened.ok ? decodePacket(opened.value, max) : opened;
		if (!decoded.ok) {
			this.stats.drops[decoded.reason]++;
			if (decoded.reason === "bad-tag") {
				this.#warnBadTag(`dropped a datagram from ${host}:${port}: ${decoded.detail}`);
			} else if (this.#log.enabled("debug")) {
				this.#log.log(
					"debug",
					`dropped datagram from ${host}:${port} (${decoded.reason}): ${decoded.detail}`,
				);
			}
			return;
		}
		const packet = decoded.value;
		if (this.#log.enabled("trace")) {
			this.#log.log(
				"trace",
				`<- ${packet.from} ${JSON.stringify(packet.msg)} +${packet.updates.length} updates +${packet.app.length} app`,
			);
		}
		const from = { id: packet.from, address: formatHostPort(host, port) };
		this.#handle(this.core.receive(from, packet, this.#timers.now()));
	}

	#answerPushPull(remote: PushPullState): PushPullState {
		this.stats.pushPulls++;
		if (!this.#stopped) this.#handle(this.core.mergeRemoteState(remote, this.#timers.now()));
		return this.core.localState();
	}

	async #pushPull(address: string): Promise<boolean> {
		const split = address.lastIndexOf(":");
		const host = address.slice(0, split).replace(/^\[(.*)\]$/, "$1");
		const port = Number(address.slice(split + 1));
		const result = await exchangePushPull(host, port, this.core.localState(), {
			limits: this.#limits,
			timers: this.#timers,
			drops: this.stats.drops,
			traffic: this.stats.pushPullTraffic,
			tags: this.#tags,
		});
		if (this.#stopped) return false;
		if (!result.ok) {
			this.stats.pushPullFailures++;
			this.#log.log("debug", `push-pull with ${address} failed: ${result.error}`);
			return false;
		}
		this.stats.pushPulls++;
		this.#handle(this.core.mergeRemoteState(result.state, this.#timers.now()));
		return true;
	}

	#handle(out: Output): void {
		for (const note of out.notes) this.#log.log("debug", note);
		for (const event of out.events) {
			const m = event.member;
			this.#log.log(
				"info",
				`member ${m.id} (${m.address}) ${event.kind}${event.previous !== undefined ? ` (was ${event.previous})` : ""} at incarnation ${m.incarnation}`,
			);
			for (const listener of this.#listeners) {
				try {
					listener(event);
				} catch (error) {
					this.#log.log("warn", `membership listener threw: ${String(error)}`);
				}
			}
		}
		if (this.#stopped) return;
		for (const sent of out.packets) {
			const payload = encodePacket(sent.packet);
			if (payload.byteLength > this.core.config.maxPacketBytes) {
				this.#log.log("warn", `not sending a ${payload.byteLength}-byte packet to ${sent.to}`);
				continue;
			}
			// The tag comes on top of maxPacketBytes: 1,416 bytes by default, within 1,472
			// (a 1,500-byte Ethernet MTU less the IPv4 and UDP headers).
			const bytes = this.#tags.seal("datagram", payload);
			const split = sent.to.lastIndexOf(":");
			const host = sent.to.slice(0, split).replace(/^\[(.*)\]$/, "$1");
			if (this.#log.enabled("trace")) {
				this.#log.log(
					"trace",
					`-> ${sent.toId} ${JSON.stringify(sent.packet.msg)} +${sent.packet.updates.length} updates`,
				);
			}
			this.stats.packetsOut++;
			this.stats.bytesOut += bytes.byteLength;
			this.#udp.send(bytes, Number(sent.to.slice(split + 1)), host);
		}
		for (const request of out.pushPulls) void this.#pushPull(request.address);
		this.#rejoinIfAlone();
		this.#schedule();
	}

	/** Alone (nobody alive or suspect): try the seeds again, once per push-pull interval. */
	#rejoinIfAlone(): void {
		const now = this.#timers.now();
		if (this.#seeds.length === 0 || this.core.liveMembers().length > 0) return;
		if (now - this.#lastRejoin < this.core.config.pushPullIntervalMs) return;
		this.#lastRejoin = now;
		for (const seed of this.#seeds) if (seed !== this.address) void this.#pushPull(seed);
	}

	/** One timer, at the core's next deadline (re-armed after every input). */
	#schedule(): void {
		if (this.#stopped || this.core.hasLeft) return;
		const at = this.core.nextDeadline();
		if (this.#timer !== undefined && this.#timerAt <= at) return;
		this.#timer?.cancel();
		this.#timerAt = at;
		this.#timer = this.#timers.after(Math.max(0, at - this.#timers.now()), () => {
			this.#timer = undefined;
			this.#timerAt = Number.POSITIVE_INFINITY;
			if (!this.#stopped) this.#handle(this.core.tick(this.#timers.now()));
		});
	}
}
