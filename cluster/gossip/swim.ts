/**
 * The SWIM core (Das, Gupta, Motivala 2002, with Lifeguard's refinements as memberlist has
 * them): a pure state machine. Inputs: `tick(now)`, `receive(from, packet, now)`,
 * `mergeRemoteState(state, now)`, `leave(now)`, `updateMeta(meta, now)`. Each returns an
 * Output (packets, push-pulls to start, events, notes). No sockets, no timers, no
 * Math.random: the driver supplies time and `random`, so the simulator runs the same code.
 *
 * One probe per period: ping a member (round-robin, shuffled); no ack within the probe
 * timeout, ask k others to ping it (ping-req); still no ack at the end of the period,
 * suspect it. A suspicion becomes a death when its timer runs out, unless the member
 * refutes it with a higher incarnation. Updates ride on probe traffic.
 */
import { type AppState, appItemsBytes, type Piggyback } from "./app-channel.ts";
import { Awareness } from "./awareness.ts";
import { BroadcastQueue } from "./broadcast-queue.ts";
import { retransmitLimit, type SwimConfig } from "./config.ts";
import { APP_ITEMS_PER_PACKET_MAX, UPDATES_PER_PACKET_MAX } from "./message-schema.ts";
import type { MemberRecord, Packet, ProbeMessage, PushPullState, Update } from "./messages.ts";
import { emptyOutput, type Output } from "./output.ts";
import { judge, plausibleIncarnation } from "./precedence.ts";
import { ProbeOrder, shuffle } from "./probe-order.ts";
import { Suspicion, suspicionTimeouts } from "./suspicion.ts";
import type { Member, MemberState, NodeId, NodeMeta, Peer } from "./types.ts";

export interface SwimOptions {
	readonly id: NodeId;
	/** host:port of our gossip socket, as others should reach it. */
	readonly address: string;
	readonly meta: NodeMeta;
	readonly config: SwimConfig;
	/** Uniform in [0, 1): probe order, helpers, push-pull partners. */
	readonly random: () => number;
	/** The clock at start (ms). */
	readonly now: number;
	/** Where to start counting (a restart may start above what others remember). */
	readonly incarnation?: number;
	readonly piggyback?: Piggyback;
	readonly appState?: AppState;
}

/** Counters a driver exports as metrics. */
export interface SwimStats {
	probes: number;
	probesFailed: number;
	pingReqsSent: number;
	refutations: number;
	/** Updates ignored for an incarnation beyond one plausible step (precedence.ts). */
	implausibleUpdates: number;
	appHookErrors: number;
	appOverBudget: number;
}

interface Probe {
	readonly target: NodeId;
	readonly seq: number;
	readonly indirectAt: number;
	acked: boolean;
	indirectSent: boolean;
	expectedNacks: number;
	nacks: number;
}

/** A ping we send on someone's behalf: its ack goes back to `requester` under their seq. */
interface Relay {
	readonly requester: Peer;
	readonly seq: number;
	readonly nackAt: number;
	readonly expireAt: number;
	nacked: boolean;
}

/** How many members a leaving node push-pulls its `left` to. */
const LEAVE_PUSH_PULLS = 3;

export class Swim {
	readonly id: NodeId;
	readonly address: string;
	readonly config: SwimConfig;
	readonly stats: SwimStats = {
		probes: 0,
		probesFailed: 0,
		pingReqsSent: 0,
		refutations: 0,
		implausibleUpdates: 0,
		appHookErrors: 0,
		appOverBudget: 0,
	};

	#incarnation: number;
	#meta: NodeMeta;
	#left = false;
	#out: Output = emptyOutput();
	readonly #members = new Map<NodeId, Member>();
	readonly #suspicions = new Map<NodeId, Suspicion>();
	readonly #queue = new BroadcastQueue();
	readonly #order: ProbeOrder;
	readonly #awareness: Awareness;
	readonly #relays = new Map<number, Relay>();
	readonly #random: () => number;
	readonly #piggyback: Piggyback | undefined;
	readonly #appState: AppState | undefined;
	#probe: Probe | undefined;
	#seq = 0;
	#nextProbeAt: number;
	#nextPushPullAt: number;
	#nextReapAt: number;
	/** While receive() runs: what its sender should hear from us directly (see receive). */
	#corrections: Map<NodeId, Update> | undefined;
	#correctionsFor: NodeId | undefined;

	constructor(options: SwimOptions) {
		this.id = options.id;
		this.address = options.address;
		this.config = options.config;
		this.#meta = options.meta;
		this.#incarnation = options.incarnation ?? 0;
		this.#random = options.random;
		this.#piggyback = options.piggyback;
		this.#appState = options.appState;
		this.#order = new ProbeOrder(options.random);
		this.#awareness = new Awareness(options.config.awarenessMax);
		// Staggered starts, so nodes booted together do not probe in lockstep.
		this.#nextProbeAt = options.now + Math.floor(this.#random() * options.config.probeIntervalMs);
		this.#nextPushPullAt =
			options.now + Math.floor((0.5 + this.#random()) * options.config.pushPullIntervalMs);
		this.#nextReapAt = options.now + options.config.probeIntervalMs;
		// We announce ourselves: the first packets we send carry our alive.
		this.#queue.enqueue(this.#selfAlive(), true);
	}

	get incarnation(): number {
		return this.#incarnation;
	}

	get meta(): NodeMeta {
		return this.#meta;
	}

	get hasLeft(): boolean {
		return this.#left;
	}

	/** Lifeguard's local health score: 0 healthy, up to awarenessMax. */
	get healthScore(): number {
		return this.#awareness.score;
	}

	/** Updates still waiting to be piggybacked. */
	get pendingBroadcasts(): number {
		return this.#queue.size;
	}

	/** Every member we know, ourselves included, sorted by id. */
	members(): Member[] {
		const rows = [...this.#members.values(), this.#selfRow()];
		return rows.sort((a, b) => a.id - b.id);
	}

	member(id: NodeId): Member | undefined {
		return id === this.id ? this.#selfRow() : this.#members.get(id);
	}

	/** Members alive or suspect (not ourselves): who counts as up. */
	liveMembers(): Member[] {
		return [...this.#members.values()].filter((m) => isLive(m.state));
	}

	/** The earliest time at which tick() has something to do. */
	nextDeadline(): number {
		let next = Math.min(this.#nextProbeAt, this.#nextPushPullAt, this.#nextReapAt);
		const probe = this.#probe;
		if (probe !== undefined && !probe.acked && !probe.indirectSent) {
			next = Math.min(next, probe.indirectAt);
		}
		const health = this.#awareness.score;
		for (const s of this.#suspicions.values()) next = Math.min(next, s.deadline(health));
		for (const r of this.#relays.values()) next = Math.min(next, r.nacked ? r.expireAt : r.nackAt);
		return next;
	}

	tick(now: number): Output {
		this.#out = emptyOutput();
		if (this.#left) return this.#out;
		this.#expireRelays(now);
		const probe = this.#probe;
		if (probe !== undefined && !probe.acked && !probe.indirectSent && now >= probe.indirectAt) {
			this.#sendPingReqs(probe);
		}
		if (now >= this.#nextProbeAt) {
			this.#finishProbe(now);
			this.#startProbe(now);
			this.#nextProbeAt = now + this.#awareness.scale(this.config.probeIntervalMs);
		}
		for (const [id, suspicion] of this.#suspicions) {
			if (now < suspicion.deadline(this.#awareness.score)) continue;
			const member = this.#members.get(id);
			this.#suspicions.delete(id);
			if (member === undefined || member.state !== "suspect") continue;
			this.#out.notes.push(
				`suspicion of ${id} timed out after ${now - suspicion.startedAt} ms with ${suspicion.confirmations} confirmation(s)`,
			);
			this.#apply({ t: "dead", id, inc: member.incarnation, by: this.id }, now, "local");
		}
		if (now >= this.#nextPushPullAt) {
			this.#nextPushPullAt = now + this.config.pushPullIntervalMs;
			this.#choosePushPull();
		}
		if (now >= this.#nextReapAt) {
			this.#nextReapAt = now + this.config.probeIntervalMs;
			this.#reap(now);
		}
		return this.#out;
	}

	receive(from: Peer, packet: Packet, now: number): Output {
		this.#out = emptyOutput();
		if (this.#left) return this.#out;
		// The sender passing on a suspicion or death we hold a newer word on (the member's
		// refutation, or its leave) still holds it, and its timer may kill a live member, or
		// leave a leaver dead: it gets our word directly, not when the epidemic gets round to it.
		const corrections = new Map<NodeId, Update>();
		this.#corrections = corrections;
		this.#correctionsFor = from.id;
		for (const update of packet.updates) {
			const correction = this.#correctionFor(update);
			if (correction !== undefined) corrections.set(correction.id, correction);
			this.#apply(update, now, "gossip");
		}
		this.#corrections = undefined;
		this.#correctionsFor = undefined;
		const extra = [...corrections.values()];
		const answered = packet.msg.t === "ping" && packet.msg.target === this.id;
		if (extra.length > 0 && !answered && from.id !== this.id) {
			this.#send(
				from.id,
				from.address,
				{ t: "ping", seq: this.#seq++, target: from.id },
				undefined,
				extra,
			);
		}
		if (packet.app.length > 0 && this.#piggyback !== undefined) {
			try {
				this.#piggyback.receive(from.id, [...packet.app]);
			} catch {
				this.stats.appHookErrors++;
			}
		}
		const msg = packet.msg;
		switch (msg.t) {
			case "ping":
				// A ping meant for a previous owner of our address: answering would vouch for it.
				if (msg.target === this.id) {
					this.#send(from.id, from.address, { t: "ack", seq: msg.seq }, undefined, extra);
				}
				break;
			case "pingReq": {
				if (msg.target === this.id) break;
				const seq = this.#seq++;
				this.#relays.set(seq, {
					requester: from,
					seq: msg.seq,
					// memberlist nacks at 80% of the probe timeout, so the nack beats the asker's deadline.
					nackAt: now + Math.floor(this.config.probeTimeoutMs * 0.8),
					expireAt: now + this.config.probeIntervalMs,
					nacked: false,
				});
				this.#send(msg.target, msg.targetAddress, { t: "ping", seq, target: msg.target });
				break;
			}
			case "ack": {
				const relay = this.#relays.get(msg.seq);
				if (relay !== undefined) {
					this.#relays.delete(msg.seq);
					this.#send(relay.requester.id, relay.requester.address, { t: "ack", seq: relay.seq });
					break;
				}
				const probe = this.#probe;
				if (probe !== undefined && probe.seq === msg.seq && !probe.acked) {
					probe.acked = true;
					this.#awareness.apply(-1);
				}
				break;
			}
			case "nack": {
				const probe = this.#probe;
				if (probe !== undefined && probe.seq === msg.seq) probe.nacks++;
				break;
			}
		}
		return this.#out;
	}

	/** Our whole state for a push-pull (sent by the side that starts it and by the side that answers). */
	localState(): PushPullState {
		const members: MemberRecord[] = this.members().map((m) => ({
			id: m.id,
			address: m.address,
			inc: m.incarnation,
			state: m.state,
			meta: m.meta,
		}));
		const state = { from: this.id, address: this.address, members };
		if (this.#appState === undefined) return state;
		try {
			return { ...state, app: this.#appState.localState() };
		} catch {
			this.stats.appHookErrors++;
			return state;
		}
	}

	/**
	 * A peer's state from a push-pull. Its dead members come in as suspicions (memberlist's
	 * rule): after a partition heals each side holds the other dead, and a suspicion lets a
	 * live member refute where a death would have been final.
	 */
	mergeRemoteState(state: PushPullState, now: number): Output {
		this.#out = emptyOutput();
		if (this.#left) return this.#out;
		for (const record of state.members) {
			// A suspicion listed in someone's state is hearsay, not an independent probe: see
			// #apply's "pushPull" origin.
			this.#apply(recordAsUpdate(record, state.from), now, "pushPull");
		}
		if (state.app !== undefined && this.#appState !== undefined) {
			try {
				this.#appState.mergeRemote(state.from, state.app);
			} catch {
				this.stats.appHookErrors++;
			}
		}
		return this.#out;
	}

	/**
	 * Graceful leave: we mark ourselves left at a new incarnation and tell every live member
	 * directly (one packet each, the news piggybacked on a ping); those who hear it pass it
	 * on. After this the core is silent.
	 */
	leave(now: number): Output {
		this.#out = emptyOutput();
		if (this.#left) return this.#out;
		this.#incarnation++;
		const update: Update = { t: "left", id: this.id, inc: this.#incarnation };
		this.#queue.enqueue(update, true);
		const live = this.liveMembers();
		for (const member of live) {
			this.#send(member.id, member.address, { t: "ping", seq: this.#seq++, target: member.id });
		}
		// Those datagrams are our only word: if all are lost, everyone declares us dead and
		// nobody holds the `left` that would override it. Push-pulls (TCP, reliable, and the
		// answering side merges before answering) put it in live members' hands, who pass it
		// on and hand it out in their own push-pulls. Several, alive ones first: a member we
		// still hold alive may have crashed a moment ago (seeds 3604 and 4297).
		const partners = shuffle(live.slice(), this.#random)
			.sort((a, b) => Number(a.state !== "alive") - Number(b.state !== "alive"))
			.slice(0, LEAVE_PUSH_PULLS);
		for (const partner of partners) {
			this.#out.pushPulls.push({ id: partner.id, address: partner.address });
		}
		this.#left = true;
		this.#out.events.push({ kind: "left", member: this.#selfRow(now), previous: "alive" });
		return this.#out;
	}

	/** New metadata: announced under a new incarnation, which versions it. */
	updateMeta(meta: NodeMeta, now: number): Output {
		this.#out = emptyOutput();
		if (this.#left) return this.#out;
		this.#meta = meta;
		this.#incarnation++;
		this.#queue.enqueue(this.#selfAlive(), true);
		this.#out.events.push({ kind: "meta", member: this.#selfRow(now), previous: "alive" });
		return this.#out;
	}

	#selfAlive(): Update {
		return {
			t: "alive",
			id: this.id,
			address: this.address,
			inc: this.#incarnation,
			meta: this.#meta,
		};
	}

	#selfRow(changedAt = 0): Member {
		return {
			id: this.id,
			address: this.address,
			incarnation: this.#incarnation,
			state: this.#left ? "left" : "alive",
			meta: this.#meta,
			changedAt,
		};
	}

	/** Members plus ourselves that are up: the n of the λ·log(n) and suspicion formulas. */
	#clusterSize(): number {
		let n = 1;
		for (const m of this.#members.values()) if (isLive(m.state)) n++;
		return n;
	}

	/**
	 * Applies one update. `origin` says where it came from: "gossip" (a packet), "local" (our
	 * own probe or timer) or "pushPull" (a row of someone's whole state). A suspicion from a
	 * push-pull is hearsay: the row does not say who probed, and passing it on under the
	 * pusher's name (or ours) would count at every other node as an independent confirmation
	 * that nobody made, shrinking timers towards their minimum (seeds 671 and 1713 killed live
	 * members that way). So it starts a timer here, never confirms one, and is not gossiped;
	 * instead its subject hears it from us at once, so it can refute.
	 */
	#apply(update: Update, now: number, origin: "gossip" | "local" | "pushPull"): void {
		if (update.id === this.id) {
			this.#hearAboutSelf(update);
			return;
		}
		const current = this.#members.get(update.id);
		if (current !== undefined && !plausibleIncarnation(update.inc, current.incarnation)) {
			this.stats.implausibleUpdates++;
			return;
		}
		const verdict = judge(update, current);
		if (verdict === "ignore") return;
		if (verdict === "confirm") {
			if (origin === "pushPull") return;
			const suspicion = this.#suspicions.get(update.id);
			if (update.t === "suspect" && suspicion?.confirm(update.by)) {
				this.#out.notes.push(
					`suspicion of ${update.id} confirmed by ${update.by} (${suspicion.confirmations} of ${suspicion.timeouts.k}); dead at ${suspicion.deadline(this.#awareness.score)}`,
				);
				this.#queue.enqueue(update);
			}
			return;
		}
		const previous = current?.state;
		let next: Member;
		switch (update.t) {
			case "alive":
				next = {
					id: update.id,
					address: update.address,
					incarnation: update.inc,
					state: "alive",
					meta: update.meta,
					changedAt: previous === "alive" ? (current?.changedAt ?? now) : now,
				};
				this.#suspicions.delete(update.id);
				if (previous === undefined || !isLive(previous)) this.#order.add(update.id);
				break;
			case "suspect": {
				next = withState(current as Member, "suspect", update.inc, now);
				const timeouts = suspicionTimeouts(
					this.#clusterSize(),
					this.config.probeIntervalMs,
					this.config.suspicionMult,
					this.config.suspicionMaxTimeoutMult,
				);
				const suspicion = new Suspicion(update.inc, update.by, now, timeouts);
				this.#suspicions.set(update.id, suspicion);
				this.#out.notes.push(
					`${update.id} suspected by ${update.by}${origin === "pushPull" ? " (push-pull hearsay)" : ""} at incarnation ${update.inc}; dead at ${suspicion.deadline(this.#awareness.score)} unless it refutes`,
				);
				break;
			}
			case "dead":
			case "left":
				next = withState(current as Member, update.t, update.inc, now);
				this.#suspicions.delete(update.id);
				break;
		}
		this.#members.set(update.id, next);
		if (update.t === "suspect" && origin === "pushPull") {
			// Lifeguard's buddy system, at once: the subject is the one who can clear it.
			const told: Update = { t: "suspect", id: update.id, inc: update.inc, by: this.id };
			this.#send(
				next.id,
				next.address,
				{ t: "ping", seq: this.#seq++, target: next.id },
				undefined,
				[told],
			);
		} else {
			this.#queue.enqueue(update);
		}
		if (previous !== next.state) {
			this.#out.events.push({ kind: next.state, member: next, previous });
		} else if (next.state === "alive" && !sameMeta(current?.meta, next.meta)) {
			this.#out.events.push({ kind: "meta", member: next, previous });
		}
	}

	/**
	 * News about ourselves. Suspected, declared dead or left (when we did not leave), or
	 * someone holding a newer alive of ours (we restarted and forgot): refute with a higher
	 * incarnation. Being suspected also hints that we are the slow one (Lifeguard).
	 */
	#hearAboutSelf(update: Update): void {
		if (!plausibleIncarnation(update.inc, this.#incarnation)) {
			// Nobody can hold an incarnation of ours this far past our own: refuting it would
			// take us to where no peer's schema (or precedence) follows, and we would be dead
			// to all of them for good.
			this.stats.implausibleUpdates++;
			this.#out.notes.push(
				`ignoring ${update.t} about us at incarnation ${update.inc}: ours is ${this.#incarnation}`,
			);
			return;
		}
		if (update.inc < this.#incarnation) {
			// Someone still passes on a suspicion we refuted: our refutation has not reached
			// everyone and may have used up its retransmits, so send it around again (and
			// receive() sends it straight to whoever passed the suspicion on).
			if (update.t !== "alive" && !this.#queue.has(this.id)) {
				this.#queue.enqueue(this.#selfAlive(), true);
			}
			return;
		}
		if (update.t === "alive" && update.inc === this.#incarnation) return;
		if (update.t === "left" && this.#left) return;
		if (update.t !== "alive") this.#awareness.apply(1);
		this.#incarnation = update.inc + 1;
		this.stats.refutations++;
		this.#out.notes.push(
			`refuting ${update.t} about us at incarnation ${update.inc}: now ${this.#incarnation}`,
		);
		this.#queue.enqueue(this.#selfAlive(), true);
		// Whoever told us holds the suspicion too: receive() answers it directly.
		this.#corrections?.set(this.id, this.#selfAlive());
		// Tell the suspecter straight away as well: its timer is the one that would kill us,
		// and in a small cluster our few retransmits may all go elsewhere first.
		const suspecter = "by" in update ? this.#members.get(update.by) : undefined;
		if (
			suspecter !== undefined &&
			isLive(suspecter.state) &&
			!(this.#corrections !== undefined && this.#correctionsFor === suspecter.id)
		) {
			this.#send(
				suspecter.id,
				suspecter.address,
				{ t: "ping", seq: this.#seq++, target: suspecter.id },
				this.id,
			);
		}
	}

	/**
	 * What the sender of `update` should hear from us directly: it passes on a suspicion or a
	 * death that we know to be over, because we hold the member alive at a higher incarnation
	 * (its refutation) or left. Our own refutation is handled by #hearAboutSelf.
	 */
	#correctionFor(update: Update): Update | undefined {
		if (update.t !== "suspect" && update.t !== "dead") return undefined;
		if (update.id === this.id) {
			return update.inc < this.#incarnation ? this.#selfAlive() : undefined;
		}
		const held = this.#members.get(update.id);
		if (held === undefined) return undefined;
		if (held.state === "alive" && held.incarnation > update.inc) {
			return {
				t: "alive",
				id: held.id,
				address: held.address,
				inc: held.incarnation,
				meta: held.meta,
			};
		}
		if (held.state === "left" && held.incarnation >= update.inc) {
			return { t: "left", id: held.id, inc: held.incarnation };
		}
		return undefined;
	}

	#finishProbe(now: number): void {
		const probe = this.#probe;
		this.#probe = undefined;
		if (probe === undefined || probe.acked) return;
		this.stats.probesFailed++;
		// Lifeguard: helpers that did not even nack point at our own network, not the target's.
		if (probe.expectedNacks > 0) {
			this.#awareness.apply(probe.expectedNacks - probe.nacks);
		} else {
			this.#awareness.apply(1);
		}
		const member = this.#members.get(probe.target);
		if (member === undefined || !isLive(member.state)) return;
		this.#out.notes.push(
			`probe of ${probe.target} failed (${probe.nacks}/${probe.expectedNacks} nacks)`,
		);
		this.#apply(
			{ t: "suspect", id: probe.target, inc: member.incarnation, by: this.id },
			now,
			"local",
		);
	}

	#startProbe(now: number): void {
		const candidates = this.liveMembers().map((m) => m.id);
		const target = this.#order.next(candidates, (id) => {
			const m = this.#members.get(id);
			return m !== undefined && isLive(m.state);
		});
		if (target === undefined) return;
		const member = this.#members.get(target) as Member;
		const seq = this.#seq++;
		this.stats.probes++;
		this.#probe = {
			target,
			seq,
			indirectAt: now + this.#awareness.scale(this.config.probeTimeoutMs),
			acked: false,
			indirectSent: false,
			expectedNacks: 0,
			nacks: 0,
		};
		this.#send(target, member.address, { t: "ping", seq, target });
	}

	#sendPingReqs(probe: Probe): void {
		probe.indirectSent = true;
		const target = this.#members.get(probe.target);
		if (target === undefined) return;
		const helpers = shuffle(
			[...this.#members.values()].filter((m) => m.state === "alive" && m.id !== probe.target),
			this.#random,
		).slice(0, this.config.indirectChecks);
		probe.expectedNacks = helpers.length;
		for (const helper of helpers) {
			this.stats.pingReqsSent++;
			this.#send(helper.id, helper.address, {
				t: "pingReq",
				seq: probe.seq,
				target: target.id,
				targetAddress: target.address,
			});
		}
	}

	#expireRelays(now: number): void {
		for (const [seq, relay] of this.#relays) {
			if (now >= relay.expireAt) {
				this.#relays.delete(seq);
			} else if (!relay.nacked && now >= relay.nackAt) {
				relay.nacked = true;
				this.#send(relay.requester.id, relay.requester.address, { t: "nack", seq: relay.seq });
			}
		}
	}

	#choosePushPull(): void {
		const live: Member[] = [];
		const dead: Member[] = [];
		for (const m of this.#members.values()) {
			if (isLive(m.state)) live.push(m);
			else if (m.state === "dead") dead.push(m);
		}
		const useDead =
			dead.length > 0 && (live.length === 0 || this.#random() < this.config.pushPullDeadShare);
		const pool = useDead ? dead : live;
		if (pool.length === 0) return;
		const partner = pool[Math.floor(this.#random() * pool.length)] as Member;
		this.#out.pushPulls.push({ id: partner.id, address: partner.address });
	}

	#reap(now: number): void {
		for (const [id, m] of this.#members) {
			if (!isLive(m.state) && now - m.changedAt >= this.config.reapAfterMs) {
				this.#members.delete(id);
			}
		}
	}

	/**
	 * Builds a packet: the message, then `extra` updates (meant for this recipient: a
	 * correction, a suspicion it must hear), then queued updates, then app items, within
	 * maxPacketBytes.
	 *
	 * Lifeguard's buddy system: every packet to a member we hold suspect tells it so, the
	 * queued suspicion if there is one, else one rebuilt from our state. The queue's copy runs
	 * out after a few sends, and in a small cluster they may all go to the other members: in
	 * seed 5409 (three live nodes) the one send to the suspect was lost, and five later pings
	 * that reached it said nothing, so it never refuted and was declared dead.
	 */
	#send(toId: NodeId, to: string, msg: ProbeMessage, buddy?: NodeId, extra: Update[] = []): void {
		const recipient = this.#members.get(toId);
		if (recipient?.state === "suspect") {
			buddy ??= toId;
			if (!this.#queue.has(toId) && !extra.some((u) => u.id === toId)) {
				// Under our name, as for push-pull hearsay: ours is the timer it has to stop.
				extra = [{ t: "suspect", id: toId, inc: recipient.incarnation, by: this.id }, ...extra];
			}
		}
		const empty: Packet = { from: this.id, msg, updates: [], app: [] };
		// The version byte plus the packet with empty lists; what we add goes inside them.
		let budget = this.config.maxPacketBytes - 1 - jsonBytes(empty);
		const first: Update[] = [];
		for (const u of extra.slice(0, UPDATES_PER_PACKET_MAX)) {
			const bytes = jsonBytes(u) + 1;
			if (bytes > budget) continue;
			budget -= bytes;
			first.push(u);
		}
		const limit = retransmitLimit(this.config.retransmitMult, this.#clusterSize());
		const queued = this.#queue
			.take(budget, limit, buddy, toId)
			.filter((u) => !first.some((f) => f.id === u.id));
		const updates = [...first, ...queued];
		let used = 0;
		for (const u of queued) used += jsonBytes(u) + 1;
		let app: unknown[] = [];
		if (this.#piggyback !== undefined) {
			const room = budget - used;
			try {
				const items = this.#piggyback.take(toId, room);
				if (items.length <= APP_ITEMS_PER_PACKET_MAX && appItemsBytes(items) <= room) {
					app = items;
				} else {
					this.stats.appOverBudget++;
				}
			} catch {
				this.stats.appHookErrors++;
			}
		}
		this.#out.packets.push({ to, toId, packet: { from: this.id, msg, updates, app } });
	}
}

function isLive(state: MemberState): boolean {
	return state === "alive" || state === "suspect";
}

function withState(member: Member, state: MemberState, incarnation: number, now: number): Member {
	return { ...member, state, incarnation, changedAt: now };
}

function sameMeta(a: NodeMeta | undefined, b: NodeMeta): boolean {
	return (
		a !== undefined &&
		a.role === b.role &&
		a.pop === b.pop &&
		a.edgeAddress === b.edgeAddress &&
		a.raftAddress === b.raftAddress
	);
}

const encoder = new TextEncoder();

function jsonBytes(value: unknown): number {
	return encoder.encode(JSON.stringify(value)).byteLength;
}

function recordAsUpdate(record: MemberRecord, from: NodeId): Update {
	switch (record.state) {
		case "alive":
			return {
				t: "alive",
				id: record.id,
				address: record.address,
				inc: record.inc,
				meta: record.meta,
			};
		case "suspect":
		case "dead":
			return { t: "suspect", id: record.id, inc: record.inc, by: from };
		case "left":
			return { t: "left", id: record.id, inc: record.inc };
	}
}
