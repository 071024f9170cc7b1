/**
 * One simulated server: the pure Raft core, a "disk" (hard state, snapshot, log), the KV
 * state machine, and the driver loop that follows ready.ts's contract. Syncing a Ready to
 * disk takes virtual time; only then are its messages sent, its snapshot restored and its
 * committed entries applied. Each time the state machine has applied `snapshotEvery`
 * entries past the last snapshot, it snapshots, and the log and disk are compacted to it
 * (so snapshots fall on multiples of `snapshotEvery`, which invariants.ts relies on). A
 * crash drops everything not yet synced; a restart rebuilds the core from the disk and the
 * state machine from the snapshot on it (or index 1). Configuration-change entries take a
 * log slot and no KV command (the simulated network needs no addresses). * With `pipelined`, the node drives its core as cluster/raft-node/ does, with ready.ts's
 * relaxations (pipeline.ts): a leader's appends leave before its sync, follower successes
 * wait in the AckGate for the leader's disk, durable commits apply before the sync (none
 * in a Ready with a snapshot), commit-only changes are not written, and appends are
 * merged, so the checkers judge those rules too.
 */
import { encodeCommand } from "../kv/command.ts";
import type { KvOp, KvResult } from "../kv/ops.ts";
import { KvStore } from "../kv/store.ts";
import type { ConfChange } from "../raft/membership.ts";
import type { Entry, HardState, Message, NodeId } from "../raft/messages.ts";
import { type ConfChangeResult, Raft, type RaftConfig } from "../raft/raft.ts";
import type { Ready } from "../raft/ready.ts";
import type { Snapshot } from "../raft/snapshot.ts";
import type { TransferResult } from "../raft/transfer.ts";
import { AckGate, coalesceAppends, hardStateToSave, mayShipEarly } from "../raft-node/pipeline.ts";
import { encodeSessionEntry } from "../state/entry-encoding.ts";
import type { EventQueue } from "./event-queue.ts";
import type { Invariants } from "./invariants.ts";
import type { Prng } from "./prng.ts";

/**
 * A client asking for a new session (Raft thesis §6.3): a session entry through the log.
 * The nonce names the entry; the client keeps it across the attempts of one registration.
 */
export interface RegisterSession {
	readonly kind: "register";
	readonly nonce: number;
}

export interface ClientRequest {
	readonly reqId: number;
	/** Where the reply goes (the client's address on the simulated network). */
	readonly client: number;
	/** The client id the command carries (the client's current session) and its seq; 0 for a registration. */
	readonly session: number;
	readonly seq: number;
	readonly op: KvOp | RegisterSession;
}

export type ClientReply =
	| { readonly reqId: number; readonly kind: "ok"; readonly result: KvResult }
	/** A session registered: the client id the client's writes carry from now on. */
	| { readonly reqId: number; readonly kind: "registered"; readonly session: number }
	| { readonly reqId: number; readonly kind: "notLeader"; readonly leader: NodeId }
	/** The proposal lost its slot in the log (a new leader overwrote it): try again. */
	| { readonly reqId: number; readonly kind: "retry" }
	/** The store no longer knows the session: nothing applied; start a new session. */
	| { readonly reqId: number; readonly kind: "sessionExpired" };

export interface NodeEnv {
	readonly queue: EventQueue;
	readonly invariants: Invariants;
	sendRaft(message: Message): void;
	reply(client: number, reply: ClientReply): void;
	/** Role and term changes, crashes and restarts, for replaying a seed by eye. */
	trace(line: string): void;
	/** Drive the core as cluster/raft-node/ does (see the top of this file). */
	readonly pipelined?: boolean;
	/** The KV store's bound on client sessions (kv/store.ts); its default when absent. */
	readonly maxSessions?: number | undefined;
}

type ReadRequest = ClientRequest & { readonly op: Extract<KvOp, { kind: "get" }> };

const isRead = (request: ClientRequest): request is ReadRequest => request.op.kind === "get";

export type CoreSettings = Omit<
	RaftConfig,
	"id" | "peers" | "learners" | "random" | "storage" | "applied"
>;

interface Disk {
	hardState: HardState;
	snapshot: Snapshot | undefined;
	/** The entries after the snapshot. */
	entries: Entry[];
}

export class SimNode {
	core: Raft | undefined;
	private readonly disk: Disk = {
		hardState: { term: 0, vote: 0, commit: 0 },
		snapshot: undefined,
		entries: [],
	};
	/** Replaced by start(), with the scenario's bound on sessions. */
	private kv = new KvStore();
	private incarnation = 0;
	private syncing = false;
	private proposals = new Map<number, ClientRequest>();
	private reads = new Map<string, ReadRequest>();
	private readsWaitingApply: { index: number; request: ReadRequest }[] = [];
	crashes = 0;
	/** Snapshots taken here, and leaders' snapshots installed here. */
	snapshotsTaken = 0;
	snapshotsInstalled = 0;
	private lastRole = "";
	private gate = new AckGate();

	constructor(
		readonly id: NodeId,
		private readonly peers: readonly NodeId[],
		private readonly learners: readonly NodeId[],
		private readonly settings: CoreSettings,
		private readonly syncDelay: readonly [number, number],
		/** Applied entries between snapshots; 0: never snapshot. */
		private readonly snapshotEvery: number,
		private readonly rng: Prng,
		private readonly env: NodeEnv,
	) {
		this.start();
	}

	get alive(): boolean {
		return this.core !== undefined;
	}

	get appliedIndex(): number {
		return this.kv.appliedIndex;
	}

	tick(): void {
		if (!this.core) return;
		this.core.tick();
		this.afterInput();
	}

	receive(message: Message): void {
		if (!this.core) return;
		const leading = this.core.role === "leader";
		const durable = this.durableLastIndex();
		if (this.env.pipelined && this.gate.hold(message, durable, leading, this.core.term)) return;
		this.core.step(message);
		this.afterInput();
	}

	request(request: ClientRequest): void {
		const core = this.core;
		if (!core) return;
		if (isRead(request)) {
			const context = `${request.client}:${request.reqId}`;
			const answer = core.readIndex(context);
			if (answer.ok) this.reads.set(context, request);
			else this.answer(request, { reqId: request.reqId, kind: "notLeader", leader: answer.leader });
		} else if (request.op.kind === "register") {
			const { nonce } = request.op;
			const same = (w: ClientRequest) => w.op.kind === "register" && w.op.nonce === nonce;
			if (!this.joinProposed(request, same)) this.propose(request, encodeSessionEntry({ nonce }));
		} else {
			const same = (w: ClientRequest) => w.session === request.session && w.seq === request.seq;
			if (!this.joinProposed(request, same))
				this.propose(
					request,
					encodeCommand({ client: request.session, seq: request.seq, op: request.op }),
				);
		}
		this.afterInput();
	}

	/**
	 * A retry of a request this leader already proposed waits for that entry instead of adding
	 * another: under a slow disk, retries would otherwise outgrow the log.
	 */
	private joinProposed(request: ClientRequest, same: (waiting: ClientRequest) => boolean): boolean {
		if (this.core?.role !== "leader") return false;
		for (const [index, waiting] of this.proposals) {
			if (!same(waiting)) continue;
			this.proposals.set(index, request);
			return true;
		}
		return false;
	}

	private propose(request: ClientRequest, data: string): void {
		const answer = this.core?.propose(data);
		if (answer === undefined) return;
		if (answer.ok) this.proposals.set(answer.index, request);
		else this.answer(request, { reqId: request.reqId, kind: "notLeader", leader: answer.leader });
	}

	/** An operator's configuration change, asked of this node (refused unless it leads). */
	changeMembership(change: ConfChange): ConfChangeResult | undefined {
		const result = this.core?.proposeConfChange(change);
		this.afterInput();
		return result;
	}

	transferLeadership(target: NodeId): TransferResult | undefined {
		const result = this.core?.transferLeadership(target);
		this.afterInput();
		return result;
	}

	crash(): void {
		if (!this.core) return;
		this.core = undefined;
		this.lastRole = "";
		this.env.trace(`node ${this.id}: crash`);
		this.incarnation++;
		this.crashes++;
		this.syncing = false;
		this.proposals = new Map();
		this.reads = new Map();
		this.readsWaitingApply = [];
		this.gate = new AckGate();
	}

	restart(): void {
		if (this.core) return;
		this.env.trace(`node ${this.id}: restart`);
		this.start();
	}

	private start(): void {
		this.kv = new KvStore({ maxSessions: this.env.maxSessions });
		const snapshot = this.disk.snapshot;
		if (snapshot) {
			this.kv.restore({ index: snapshot.meta.index, data: snapshot.data });
			this.env.invariants.restored(this.id, snapshot.meta.index, snapshot.data);
		} else {
			this.env.invariants.started(this.id);
		}
		const random = () => this.rng.next();
		this.core = new Raft({
			...this.settings,
			id: this.id,
			peers: this.peers,
			learners: this.learners,
			random,
			storage: {
				hardState: this.disk.hardState,
				entries: [...this.disk.entries],
				...(snapshot ? { snapshot } : {}),
			},
		});
		this.afterInput();
	}

	private afterInput(): void {
		const core = this.core;
		if (!core) return;
		if (core.role === "leader") this.env.invariants.leader(core.term, this.id);
		const role = `${core.role} term ${core.term}`;
		if (role !== this.lastRole) {
			this.lastRole = role;
			this.env.trace(
				`node ${this.id}: ${role} (log ${core.log.lastIndex()}/${core.log.lastTerm()}, commit ${core.log.committed})`,
			);
		}
		if (this.syncing || !core.hasReady()) return;
		const ready = core.ready();
		this.syncing = true;
		const incarnation = this.incarnation;
		const delay = this.rng.int(this.syncDelay[0], this.syncDelay[1]);
		const early = this.env.pipelined ? this.beforeSync(core, ready) : undefined;
		this.env.queue.after(delay, () => {
			if (this.incarnation !== incarnation) return; // crashed before the sync finished
			this.handle(ready, early);
			this.syncing = false;
			this.afterInput();
		});
	}

	/** Pipelined: what goes before the sync; returns what is left for after it. */
	private beforeSync(core: Raft, ready: Ready) {
		const ship = mayShipEarly(core.role === "leader", ready.hardState, this.disk.hardState);
		const later: Message[] = [];
		for (const message of coalesceAppends(ready.messages)) {
			if (ship && (message.type === "app" || message.type === "heartbeat"))
				this.env.sendRaft(message);
			else later.push(message);
		}
		// With a snapshot, nothing early: the state machine is restored from it after the sync.
		const durableBefore = ready.snapshot
			? 0
			: Math.min(
					this.durableLastIndex(),
					(ready.entries[0]?.index ?? Number.POSITIVE_INFINITY) - 1,
				);
		let applied = 0;
		for (const entry of ready.committedEntries) {
			if (entry.index > durableBefore) break;
			this.apply(entry);
			this.maybeSnapshot();
			applied++;
		}
		this.takeReadStates(ready);
		const hardState = hardStateToSave(ready.hardState, ready.entries.length, this.disk.hardState);
		return { later, applied, hardState };
	}

	private handle(
		ready: Ready,
		early: { later: Message[]; applied: number; hardState: HardState | undefined } | undefined,
	): void {
		if (ready.snapshot) this.saveSnapshot(ready.snapshot);
		const hardState = early === undefined ? ready.hardState : early.hardState;
		if (hardState) this.disk.hardState = hardState;
		const first = ready.entries[0];
		if (first) {
			const base = this.disk.snapshot?.meta.index ?? 0;
			if (first.index <= base || first.index > base + this.disk.entries.length + 1) {
				throw new Error(
					`node ${this.id}: entries from ${first.index} do not follow the disk (snapshot ${base}, ${this.disk.entries.length} entries)`,
				);
			}
			this.disk.entries.length = first.index - base - 1;
			this.disk.entries.push(...ready.entries);
		}
		for (const message of early?.later ?? ready.messages) this.env.sendRaft(message);
		if (ready.snapshot) this.restore(ready.snapshot);
		for (const entry of ready.committedEntries.slice(early?.applied ?? 0)) {
			this.apply(entry);
			this.maybeSnapshot();
		}
		if (early === undefined) this.takeReadStates(ready);
		this.serveReads();
		const core = this.core as Raft;
		core.advance(ready);
		if (early === undefined) return;
		const leading = core.role === "leader";
		for (const message of this.gate.release(this.durableLastIndex(), leading, core.term))
			core.step(message);
	}

	/** The last index on this node's disk: after its snapshot, its entries. */
	private durableLastIndex(): number {
		return (this.disk.snapshot?.meta.index ?? 0) + this.disk.entries.length;
	}

	private takeReadStates(ready: Ready): void {
		for (const state of ready.readStates) {
			const request = this.reads.get(state.context);
			if (!request) continue;
			this.reads.delete(state.context);
			this.readsWaitingApply.push({ index: state.index, request });
		}
		this.serveReads();
	}

	/**
	 * As the WAL does: a snapshot the disk's entry at its index agrees with keeps the
	 * entries after it; any other replaces the whole log.
	 */
	private saveSnapshot(snapshot: Snapshot): void {
		const { index, term } = snapshot.meta;
		const base = this.disk.snapshot?.meta.index ?? 0;
		const kept = this.disk.entries[index - base - 1];
		this.disk.entries =
			kept !== undefined && kept.term === term ? this.disk.entries.slice(index - base) : [];
		this.disk.snapshot = snapshot;
	}

	/** A leader's snapshot replaces the state machine; proposals it covers lost their slot. */
	private restore(snapshot: Snapshot): void {
		const { index } = snapshot.meta;
		this.kv.restore({ index, data: snapshot.data });
		this.env.invariants.restored(this.id, index, snapshot.data);
		this.snapshotsInstalled++;
		for (const [at, waiting] of this.proposals) {
			if (at > index) continue;
			this.proposals.delete(at);
			this.answer(waiting, { reqId: waiting.reqId, kind: "retry" });
		}
	}

	/** Snapshots once `snapshotEvery` entries were applied since the last; compacts to it. */
	private maybeSnapshot(): void {
		const core = this.core as Raft;
		const applied = this.kv.appliedIndex;
		if (this.snapshotEvery === 0 || applied - core.log.snapshotIndex() < this.snapshotEvery) return;
		const { data } = this.kv.snapshot();
		this.env.invariants.snapshotted(this.id, applied, data);
		const snapshot = core.compact(applied, data);
		this.snapshotsTaken++;
		// Saved at once, as part of this sync: the disk keeps the entries after it.
		this.saveSnapshot(snapshot);
	}

	private apply(entry: Entry): void {
		this.env.invariants.applied(this.id, entry);
		const waiting = this.proposals.get(entry.index);
		this.proposals.delete(entry.index);
		// A no-op or configuration change only fills the slot in the store.
		const applied = this.kv.apply(entry.index, entry.data);
		if (applied.kind === "noop") {
			if (waiting) this.answer(waiting, { reqId: waiting.reqId, kind: "retry" });
			return;
		}
		if (!waiting) return;
		if (applied.kind === "session") {
			const mine = waiting.op.kind === "register" && applied.nonce === waiting.op.nonce;
			if (mine)
				this.answer(waiting, { reqId: waiting.reqId, kind: "registered", session: applied.client });
			else this.answer(waiting, { reqId: waiting.reqId, kind: "retry" });
			return;
		}
		const { command, outcome } = applied;
		const same = waiting.session === command.client && waiting.seq === command.seq;
		if (!same || outcome.kind === "stale") {
			this.answer(waiting, { reqId: waiting.reqId, kind: "retry" });
		} else if (outcome.kind === "session-expired") {
			this.answer(waiting, { reqId: waiting.reqId, kind: "sessionExpired" });
		} else {
			this.answer(waiting, { reqId: waiting.reqId, kind: "ok", result: outcome.result });
		}
	}

	private serveReads(): void {
		const still: { index: number; request: ReadRequest }[] = [];
		for (const read of this.readsWaitingApply) {
			if (read.index > this.kv.appliedIndex) {
				still.push(read);
				continue;
			}
			const result = this.kv.read(read.request.op.key);
			this.answer(read.request, { reqId: read.request.reqId, kind: "ok", result });
		}
		this.readsWaitingApply = still;
	}

	private answer(request: ClientRequest, reply: ClientReply): void {
		this.env.reply(request.client, reply);
	}
}
