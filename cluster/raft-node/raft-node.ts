/**
 * One Raft member with real I/O: the pure core (cluster/raft/) driven by a tick timer,
 * persisted through the write-ahead log (cluster/wal/), talking to its peers over the
 * transport (cluster/transport/), applying to the replicated state (cluster/state/router.ts:
 * the KV store, the purges and the POP configs). It
 * follows ready.ts's order, as cluster/sim/sim-node.ts does in virtual time: persist (await
 * the fsync) -> send -> apply and serve reads -> advance, with the two relaxations ready.ts
 * allows (pipeline.ts has the pieces):
 * - a leader's appends and heartbeats leave before its own fsync, so the leader's disk and
 *   the followers' work at once (thesis §10.2.1); the AckGate holds back follower successes
 *   beyond what the leader made durable, so the core's count of its own log stays true;
 * - committed entries this node already made durable (earlier Readies, below this one's
 *   first entry) are applied, and reads served, before this Ready's fsync, not after it.
 * Appends to one follower within a Ready are merged into one message (coalesceAppends).
 * Every `snapshotEvery` applied entries the replicated state is snapshotted, the core's log
 * compacted and the WAL's too (snapshot-storage.ts); a restart starts from that snapshot
 * and the entries after it, and a snapshot a leader sends is saved before, and restored
 * ahead of, the entries that follow it (a Ready with one applies nothing early).
 *
 * Membership: `changeMembership` and `transferLeadership` ask the core and answer once the
 * change is applied here (or the leadership moved). Configuration entries carry a new
 * node's addresses; the member hands them to the transport before sending the Ready that
 * holds them (its appends may go to that node), and forgets a removed node's link once the
 * removal is applied. A node joining a running cluster starts with `voters` set to the
 * founding voters (or none) and is connected to the members; it takes part once the
 * leader's entry adding it reaches its log.
 */

import { rateLimitedLog } from "../../edge/proxy/rate-limited-log.ts";
import type { PurgeRequest } from "../../edge/purge.ts";
import type { KvOp, KvResult } from "../kv/ops.ts";
import type { KvStore } from "../kv/store.ts";
import type { PopConfigOp } from "../pop-config/command.ts";
import type { PopConfigResult, PopEntry } from "../pop-config/machine.ts";
import { type PurgeMachineOptions, type PurgeResult, purgeResult } from "../purge/machine.ts";
import {
	type ConfChange,
	decodeConfEntry,
	isConfChangeData,
	isMember,
	type RaftAddress,
} from "../raft/membership.ts";
import { RaftMessageSchema } from "../raft/message-schema.ts";
import { type Entry, type HardState, type Message, NONE, type NodeId } from "../raft/messages.ts";
import { Raft } from "../raft/raft.ts";
import type { Ready } from "../raft/ready.ts";
import type { Snapshot } from "../raft/snapshot.ts";
import {
	encodeKvEntry,
	encodePopConfigEntry,
	encodePurgeEntry,
	encodeSessionEntry,
	MAX_ENTRY_CHARS,
} from "../state/entry-encoding.ts";
import { randomClientId } from "../state/random-client-id.ts";
import { ReplicatedState, type StateApplied } from "../state/router.ts";
import { SESSIONLESS_SEQ } from "../state/session-table.ts";
import type { ClusterSecret } from "../transport/cluster-secret.ts";
import { jsonCodec } from "../transport/codec.ts";
import type { PeerTls } from "../transport/peer-tls.ts";
import type { PeerAddress } from "../transport/peers.ts";
import { Transport } from "../transport/transport.ts";
import type { Entry as WalEntry } from "../wal/types.ts";
import { Wal, type WalOptions } from "../wal/wal.ts";
import { misattribution } from "./message-origin.ts";
import { AckGate, coalesceAppends, hardStateToSave, mayShipEarly } from "./pipeline.ts";
import {
	type Answer,
	type Applied,
	type CommandAnswer,
	ProposalWaiters,
} from "./proposal-waiters.ts";
import { type RoleView, roleEvents } from "./role-events.ts";
import { snapshotFromWal, snapshotToWal } from "./snapshot-storage.ts";

export type { Answer, CommandAnswer } from "./proposal-waiters.ts";

import { LOG_LEVELS, type LogLevel } from "../transport/log.ts";
import { MemberAddresses } from "./member-addresses.ts";
import {
	decodeMemberSnapshot,
	encodeMemberSnapshot,
	type MemberSnapshot,
} from "./member-snapshot.ts";

export interface RaftNodeOptions {
	readonly id: NodeId;
	/**
	 * The founding voters (the configuration before any change in the log). A node joining
	 * a running cluster passes them too, or none: it is not among them either way.
	 */
	readonly voters: readonly NodeId[];
	/** Founding learners. */
	readonly learners?: readonly NodeId[];
	readonly listen: { readonly host: string; readonly port: number };
	readonly dataDir: string;
	/** One core tick; elections take electionTicks..2*electionTicks of them. */
	readonly tickMs: number;
	readonly electionTicks: number;
	readonly heartbeatTicks: number;
	readonly random?: () => number;
	readonly log?: (line: string) => void;
	/** The least level of role events logged (DEBUG elections, INFO leadership); default info. */
	readonly logLevel?: LogLevel;
	/** Passed to the write-ahead log (its fsync latency hook, say). */
	readonly wal?: WalOptions;
	/** Applied entries between snapshots of the replicated state (default 10,000). */
	readonly snapshotEvery?: number;
	/**
	 * What a committed purge does on this node (its edge cache), and what it does when a
	 * snapshot shows it missed purges it cannot replay (drop everything): see cluster/purge/.
	 */
	readonly purge?: PurgeMachineOptions;
	/** Most characters of snapshot data per InstallSnapshot chunk (the core's default if unset). */
	readonly snapshotChunkSize?: number;
	/** The POP's cluster secret: the transport then refuses peers that cannot prove it. */
	readonly secret?: ClusterSecret;
	/** TLS for the Raft transport (cluster/transport/peer-tls.ts). */
	readonly tls?: PeerTls;
}

export const DEFAULT_SNAPSHOT_EVERY = 10_000;

export interface MemberInfo {
	readonly id: NodeId;
	readonly role: "voter" | "learner";
	readonly raftAddress: RaftAddress | undefined;
	readonly apiAddress: string | undefined;
}

/** Refused: the core's reason (see ConfChangeRefusal, TransferResult) and why, in words. */
type Refused = { readonly kind: "refused"; readonly reason: string; readonly message: string };
type NotLeader = { readonly kind: "notLeader"; readonly leader: NodeId };

export type MembershipAnswer =
	| { readonly kind: "ok"; readonly members: readonly MemberInfo[] }
	| NotLeader
	| Refused;

export type TransferAnswer = { readonly kind: "ok"; readonly leader: NodeId } | NotLeader | Refused;

/** A committed command's result, by the machine that applied it (what a caller waits for). */
export type CommandResult =
	| { readonly machine: "kv"; readonly result: KvResult }
	| { readonly machine: "purge"; readonly result: PurgeResult }
	| { readonly machine: "pop-config"; readonly result: PopConfigResult }
	| { readonly machine: "session"; readonly result: SessionRegisteredResult };

/** A session registered: the client id its commands carry from now on. */
export interface SessionRegisteredResult {
	readonly client: number;
}

/** Each machine's result type, by name. */
interface ResultOf {
	kv: KvResult;
	purge: PurgeResult;
	"pop-config": PopConfigResult;
	session: SessionRegisteredResult;
}

interface PendingTransfer {
	readonly target: NodeId;
	ticksLeft: number;
	readonly resolve: (answer: TransferAnswer) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RaftNode {
	readonly #waiters = new ProposalWaiters<CommandResult>();
	/**
	 * ReadIndex reads by context, with the term this node led when it took them: `serve`
	 * answers once the read index is applied here.
	 */
	readonly #reads = new Map<string, PendingRead & { readonly term: number }>();
	#readsWaitingApply: (PendingRead & { readonly index: number })[] = [];
	#readCounter = 0;
	readonly #confChanges = new Map<number, (answer: MembershipAnswer) => void>();
	#transfers: PendingTransfer[] = [];
	readonly #addresses = new MemberAddresses();
	#busy = false;
	#scheduled = false;
	#closed = false;
	/** The last index this node's WAL holds durably (what the AckGate lets the core count). */
	#durableLast: number;
	/** The term and vote on disk: a leader ships early only if a Ready changes neither. */
	#durableHard: HardState;
	readonly #gate = new AckGate();
	readonly #timer: ReturnType<typeof setInterval>;
	/** Leaders' snapshots installed since start (what a member that fell far behind gets). */
	snapshotsInstalled = 0;
	/** The least level of role events logged. */
	logLevel: LogLevel = "info";
	/** What #noticeRoleChanges saw last. */
	#seen: RoleView = { role: "follower", term: 0, leader: NONE, voters: [], learners: [] };
	#seenConfIndex = -1;

	private constructor(
		readonly id: NodeId,
		readonly state: ReplicatedState,
		private readonly core: Raft,
		private readonly snapshotEvery: number,
		private readonly wal: Wal,
		private readonly transport: Transport<Message>,
		tickMs: number,
		private readonly log: (line: string) => void,
		private readonly electionTicks: number,
	) {
		this.#durableLast = core.log.lastIndex();
		this.#durableHard = core.hardState();
		this.#timer = setInterval(() => {
			this.core.tick();
			this.#abandonReadsIfDeposed();
			for (const transfer of this.#transfers) transfer.ticksLeft--;
			this.#checkTransfers();
			this.#pump();
		}, tickMs);
	}

	static async start(options: RaftNodeOptions): Promise<RaftNode> {
		const { wal, recovered } = await Wal.open(options.dataDir, options.wal);
		const state = new ReplicatedState(options.purge ? { purge: options.purge } : {});
		let snapshot: Snapshot | undefined;
		let members: MemberSnapshot["addresses"] | undefined;
		try {
			snapshot = recovered.snapshot ? snapshotFromWal(recovered.snapshot) : undefined;
			if (snapshot) {
				const restored = decodeMemberSnapshot(snapshot.data);
				state.restore({ index: snapshot.meta.index, data: restored.state });
				members = restored.addresses;
			}
		} catch (error) {
			await wal.close();
			throw error;
		}
		const core = new Raft({
			id: options.id,
			peers: options.voters,
			learners: options.learners ?? [],
			electionTicks: options.electionTicks,
			heartbeatTicks: options.heartbeatTicks,
			random: options.random ?? Math.random,
			preVote: true,
			checkQuorum: true,
			maxEntriesPerAppend: 256,
			// The core counts one batch per proposal sent while a window is open; a wide window
			// lets a turn's proposals leave at once (merged into one append by coalesceAppends)
			// instead of 16 now and the rest a round trip later. The transport bounds the bytes.
			maxInflight: 256,
			storage: {
				hardState: recovered.hardState ?? { term: 0, vote: 0, commit: 0 },
				entries: recovered.entries.map(fromWal),
				...(snapshot ? { snapshot } : {}),
			},
			...(options.snapshotChunkSize ? { snapshotChunkSize: options.snapshotChunkSize } : {}),
		});
		const log = options.log ?? ((line: string) => console.error(line));
		// Anyone holding the cluster secret (or any host, without one) could otherwise keep a
		// stream of these going: a few lines a second say as much.
		const warnMisattributed = rateLimitedLog(log, () => Date.now());
		let node: RaftNode | undefined;
		const transport = Transport.start<Message>({
			self: options.id,
			listen: options.listen,
			peers: new Map(),
			schema: RaftMessageSchema,
			// Raft messages are plain data: plain JSON, validated by the same schema.
			codec: jsonCodec,
			onMessage: (from, message) => {
				const wrong = misattribution(from, options.id, message);
				if (wrong === undefined) node?.receive(message);
				else warnMisattributed(`WARN node ${options.id}: dropped ${wrong}`);
			},
			...(options.secret === undefined ? {} : { secret: options.secret }),
			...(options.tls === undefined ? {} : { tls: options.tls }),
		});
		const every = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
		node = new RaftNode(
			options.id,
			state,
			core,
			every,
			wal,
			transport,
			options.tickMs,
			log,
			options.electionTicks,
		);
		node.logLevel = options.logLevel ?? "info";
		// The snapshot and then the recovered log name the members added since the founding ones.
		if (members) node.#restoreAddresses(members);
		const unapplied = core.log.slice(core.log.snapshotIndex() + 1, core.log.lastIndex() + 1);
		node.#learnAddresses(unapplied);
		// The state holds the snapshot alone: every entry after it is applied again from here,
		// and a client may retry any of them meanwhile.
		node.#waiters.recovered(unapplied);
		return node;
	}

	/** The KV store inside the replicated state. */
	get kv(): KvStore {
		return this.state.kv;
	}

	/** The index the log is compacted to (0: never). */
	get snapshotIndex(): number {
		return this.core.log.snapshotIndex();
	}

	get port(): number {
		return this.transport.port;
	}

	/** Where each peer listens (known once they all started). */
	connect(peers: ReadonlyMap<NodeId, PeerAddress>): void {
		for (const [id, address] of peers) {
			this.#addresses.set(id, { raft: address, api: this.#addresses.get(id)?.api });
			if (id !== this.id) this.transport.setPeer(id, address);
		}
	}

	status() {
		const learner = this.core.role === "follower" && this.core.learners.includes(this.id);
		return {
			id: this.id,
			role: learner ? "learner" : this.core.role,
			term: this.core.term,
			leader: this.core.lead,
			commit: this.core.log.committed,
			applied: this.state.appliedIndex,
			lastIndex: this.core.log.lastIndex(),
			snapshotIndex: this.core.log.snapshotIndex(),
		};
	}

	/**
	 * A write through the log: resolves once applied here (or NotLeader at once). A retry
	 * (same client and seq) whose entry a leader already holds unapplied waits for that entry.
	 */
	propose(client: number, seq: number, op: Exclude<KvOp, { kind: "get" }>): Promise<CommandAnswer> {
		return this.#submit(encodeKvEntry({ client, seq, op }), client, seq, "kv");
	}

	/** A purge through the log: answers once applied here (every member's edge purges as it applies). */
	proposePurge(
		client: number,
		seq: number,
		purge: PurgeRequest,
	): Promise<CommandAnswer<PurgeResult>> {
		return this.#submit(encodePurgeEntry({ client, seq, purge }), client, seq, "purge");
	}

	/** A POP config set or delete through the log: answers once applied here. */
	proposePopConfig(
		client: number,
		seq: number,
		op: PopConfigOp,
	): Promise<CommandAnswer<PopConfigResult>> {
		return this.#submit(encodePopConfigEntry({ client, seq, op }), client, seq, "pop-config");
	}

	/**
	 * A new client session through the log (Raft thesis §6.3): answers with its client id
	 * once applied here. Every call registers one more; a caller that hears no answer
	 * simply calls again (an unused session expires as any other).
	 */
	registerSession(): Promise<CommandAnswer<SessionRegisteredResult>> {
		const nonce = randomClientId();
		return this.#submit(encodeSessionEntry({ nonce }), nonce, SESSIONLESS_SEQ, "session");
	}

	/**
	 * Proposes `data` (a command carrying `client`, `seq`) and answers with the result of the
	 * machine it is for. A retry whose entry a leader already holds unapplied waits for it.
	 */
	#submit<M extends keyof ResultOf>(
		data: string,
		client: number,
		seq: number,
		machine: M,
	): Promise<CommandAnswer<ResultOf[M]>> {
		return new Promise((resolve) => {
			if (this.#closed) return resolve({ kind: "notLeader", leader: 0 });
			if (data.length > MAX_ENTRY_CHARS)
				return resolve({ kind: "too-large", chars: data.length, max: MAX_ENTRY_CHARS });
			const answer = (got: CommandAnswer<CommandResult>) => {
				if (got.kind !== "ok") return resolve(got);
				// The session's entry was another machine's: not this call's (a reused session).
				if (got.result.machine !== machine) return resolve({ kind: "notLeader", leader: 0 });
				resolve({ kind: "ok", result: got.result.result as ResultOf[M] });
			};
			const logged = this.#waiters.indexOf(client, seq);
			if (logged !== undefined && this.core.role === "leader")
				return this.#waiters.wait(logged, client, seq, answer);
			const proposed = this.core.propose(data);
			if (!proposed.ok) return resolve({ kind: "notLeader", leader: proposed.leader });
			this.#waiters.wait(proposed.index, client, seq, answer);
			this.#schedule();
		});
	}

	/** The members in force here (the latest configuration in this node's log). */
	members(): MemberInfo[] {
		const { voters, learners } = this.core.membership;
		const info = (id: NodeId, role: MemberInfo["role"]): MemberInfo => {
			const address = this.#addresses.get(id);
			return { id, role, raftAddress: address?.raft, apiAddress: address?.api };
		};
		return [...voters.map((id) => info(id, "voter")), ...learners.map((id) => info(id, "learner"))];
	}

	/**
	 * One membership change through the log: answers once it is applied here, with the
	 * members then; NotLeader on a follower; refused with the core's reason.
	 */
	changeMembership(change: ConfChange): Promise<MembershipAnswer> {
		return new Promise((resolve) => {
			// Only the leader's word counts; a follower answers NotLeader as the core would.
			const collision =
				this.core.role === "leader"
					? this.#addresses.collision(change, this.core.membership)
					: undefined;
			if (collision !== undefined)
				return resolve({ kind: "refused", reason: "invalid", message: collision });
			const result = this.core.proposeConfChange(change);
			if (!result.ok) {
				if (result.reason === "notLeader") {
					return resolve({ kind: "notLeader", leader: result.leader });
				}
				return resolve({ kind: "refused", reason: result.reason, message: result.message });
			}
			this.#confChanges.set(result.index, resolve);
			this.#pump();
		});
	}

	/**
	 * Hands leadership to `target`: answers once this node sees it lead, refused if the core
	 * refuses or the transfer does not finish (the core gives up after an election timeout;
	 * this waits three, in case the target won but this node has not heard yet).
	 */
	transferLeadership(target: NodeId): Promise<TransferAnswer> {
		return new Promise((resolve) => {
			const result = this.core.transferLeadership(target);
			if (!result.ok) {
				if (result.reason === "notLeader") {
					return resolve({ kind: "notLeader", leader: result.leader });
				}
				return resolve({ kind: "refused", reason: result.reason, message: result.message });
			}
			this.#transfers.push({ target, ticksLeft: 3 * this.electionTicks, resolve });
			this.#checkTransfers();
			this.#pump();
		});
	}

	/** A linearizable read (ReadIndex): served once this node applied the read index. */
	read(key: string): Promise<Answer> {
		return this.#readIndex(() => this.state.kv.read(key));
	}

	/** A POP's config document, read linearizably (ReadIndex) as keys are. */
	readPopConfig(name: string): Promise<Answer<PopEntry>> {
		return this.#readIndex(() => this.state.popConfig.get(name));
	}

	#readIndex<Result>(look: () => Result): Promise<Answer<Result>> {
		return new Promise((resolve) => {
			const context = `${this.id}:${++this.#readCounter}`;
			const answer = this.core.readIndex(context);
			if (!answer.ok) return resolve({ kind: "notLeader", leader: answer.leader });
			this.#reads.set(context, {
				term: this.core.term,
				serve: () => resolve({ kind: "ok", result: look() }),
				abandon: (leader) => resolve({ kind: "notLeader", leader }),
			});
			this.#schedule();
		});
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		clearInterval(this.#timer);
		const closing = {
			kind: "refused",
			reason: "closed",
			message: "the member is closing",
		} as const;
		for (const resolve of this.#confChanges.values()) resolve(closing);
		for (const transfer of this.#transfers) transfer.resolve(closing);
		this.#confChanges.clear();
		this.#transfers = [];
		this.transport.close();
		// A save under way finishes (wal.close waits for it); its entries are not applied.
		await this.wal.close();
		this.#waiters.abandonAll(0);
		for (const read of [...this.#reads.values(), ...this.#readsWaitingApply]) read.abandon(0);
		this.#reads.clear();
		this.#readsWaitingApply = [];
	}

	/** A message from a peer (the transport validated it against the schema). */
	receive(message: Message): void {
		if (this.#closed) return;
		const leading = this.core.role === "leader";
		if (this.#gate.hold(message, this.#durableLast, leading, this.core.term)) return;
		this.core.step(message);
		this.#abandonReadsIfDeposed();
		this.#checkTransfers();
		this.#schedule();
	}

	/**
	 * Proposals, reads and messages that arrive in one turn of the event loop go into one
	 * Ready: one WAL write, one message per follower, one socket write each.
	 */
	#schedule(): void {
		if (this.#scheduled) return;
		this.#scheduled = true;
		setImmediate(() => {
			this.#scheduled = false;
			this.#pump();
		});
	}

	#checkTransfers(): void {
		if (this.#transfers.length === 0) return;
		const still: PendingTransfer[] = [];
		for (const transfer of this.#transfers) {
			if (this.core.lead === transfer.target) {
				transfer.resolve({ kind: "ok", leader: transfer.target });
			} else if (this.core.role === "leader" && this.core.transferTarget === NONE) {
				const message = `node ${transfer.target} did not take over within an election timeout`;
				transfer.resolve({ kind: "refused", reason: "timeout", message });
			} else if (transfer.ticksLeft <= 0) {
				const message = `no leader seen after the transfer to node ${transfer.target}`;
				transfer.resolve({ kind: "refused", reason: "timeout", message });
			} else {
				still.push(transfer);
			}
		}
		this.#transfers = still;
	}

	/** Addresses a snapshot carried: the members added by entries it replaced. */
	#restoreAddresses(addresses: MemberSnapshot["addresses"]): void {
		for (const [id, address] of addresses) {
			this.#addresses.set(id, address);
			if (id !== this.id) this.transport.setPeer(id, address.raft);
		}
	}

	/** Gives the transport the Raft address of every node these entries add. */
	#learnAddresses(entries: readonly Entry[]): void {
		for (const [id, address] of this.#addresses.learn(entries)) {
			if (id === this.id) continue;
			try {
				this.transport.setPeer(id, address);
			} catch (error) {
				// The leader validated it; a bad address only keeps that node unreachable.
				this.log(`WARN node ${this.id}: node ${id}'s address: ${(error as Error).message}`);
			}
		}
	}

	/** Logs leadership and membership changes since the last look (role-events.ts). */
	#noticeRoleChanges(): void {
		const core = this.core;
		const seen = this.#seen;
		if (
			core.role === seen.role &&
			core.term === seen.term &&
			core.lead === seen.leader &&
			core.pendingConfIndex === this.#seenConfIndex
		)
			return;
		const now = {
			role: core.role,
			term: core.term,
			leader: core.lead,
			voters: core.peers,
			learners: core.learners,
		};
		for (const event of roleEvents(seen, now)) {
			if (LOG_LEVELS.indexOf(event.level) >= LOG_LEVELS.indexOf(this.logLevel))
				this.log(`${event.level.toUpperCase()} raft ${this.id}: ${event.text}`);
		}
		this.#seen = now;
		this.#seenConfIndex = core.pendingConfIndex;
	}

	/** One Ready at a time, in ready.ts's order; the next starts when this one is done. */
	#pump(): void {
		this.#noticeRoleChanges();
		if (this.#busy || this.#closed || !this.core.hasReady()) return;
		this.#busy = true;
		const ready = this.core.ready();
		this.#handle(ready)
			.catch((error: unknown) => {
				// A failed write or fsync: nothing this node promised may be sent any more.
				this.log(`ERROR node ${this.id}: ${(error as Error).message}; stopping`);
				void this.close();
			})
			.finally(() => {
				this.#busy = false;
				this.#pump();
			});
	}

	async #handle(ready: Ready): Promise<void> {
		// A leader's snapshot goes to disk before the entries that follow it.
		if (ready.snapshot) {
			await this.wal.saveSnapshot(snapshotToWal(ready.snapshot));
			if (this.#closed) return;
			this.#durableLast = ready.snapshot.meta.index;
		}
		this.#waiters.logged(ready.entries, this.core.lead);
		// Appends in this Ready may go to a node its entries just added.
		this.#learnAddresses(ready.entries);
		const messages = coalesceAppends(ready.messages);
		// A leader whose Ready changes no term or vote may send its appends and heartbeats
		// now: they promise nothing about its own disk (the AckGate sees to the commit count).
		const hard = ready.hardState;
		const early = mayShipEarly(this.core.role === "leader", hard, this.#durableHard);
		const later: Message[] = [];
		for (const message of messages) {
			if (early && (message.type === "app" || message.type === "heartbeat"))
				this.transport.send(message.to, message);
			else later.push(message);
		}
		// Committed entries already durable here (this Ready may replace entries from its
		// first one on, never committed ones) need not wait for this Ready's fsync.
		// With a snapshot, nothing: the state machine is restored from it first, after the fsync.
		const durableBefore = ready.snapshot
			? 0
			: Math.min(this.#durableLast, (ready.entries[0]?.index ?? Infinity) - 1);
		let applied = 0;
		for (const entry of ready.committedEntries) {
			if (entry.index > durableBefore) break;
			this.#apply(entry);
			applied++;
		}
		this.#takeReadStates(ready);
		const toSave = hardStateToSave(hard, ready.entries.length, this.#durableHard);
		await this.wal.save(toSave, ready.entries.map(toWal));
		if (this.#closed) return;
		this.#durableLast = ready.entries.at(-1)?.index ?? this.#durableLast;
		if (toSave !== undefined) this.#durableHard = toSave;
		for (const message of later) this.transport.send(message.to, message);
		if (ready.snapshot) this.#restore(ready.snapshot);
		for (const entry of ready.committedEntries.slice(applied)) this.#apply(entry);
		this.#serveReads();
		this.core.advance(ready);
		const leading = this.core.role === "leader";
		for (const message of this.#gate.release(this.#durableLast, leading, this.core.term))
			this.core.step(message);
		await this.#maybeSnapshot();
	}

	/**
	 * A leader that stepped down (a higher term, CheckQuorum, its own removal) drops the reads
	 * it had not confirmed yet and will never serve them: their callers hear NotLeader now and
	 * ask the leader they are told of, instead of waiting for good. A read confirmed before
	 * (waiting only for its index to be applied here) is still served: it was linearizable
	 * when confirmed.
	 */
	#abandonReadsIfDeposed(): void {
		if (this.#reads.size === 0) return;
		const { role, term, lead } = this.core;
		for (const [context, read] of this.#reads) {
			if (role === "leader" && read.term === term) continue;
			this.#reads.delete(context);
			read.abandon(lead);
		}
	}

	#takeReadStates(ready: Ready): void {
		for (const state of ready.readStates) {
			const read = this.#reads.get(state.context);
			if (read === undefined) continue;
			this.#reads.delete(state.context);
			this.#readsWaitingApply.push({ index: state.index, ...read });
		}
		this.#serveReads();
	}

	/** A leader's snapshot replaces the state; proposals it covers have unknown outcomes. */
	#restore(snapshot: Snapshot): void {
		const { index } = snapshot.meta;
		const restored = decodeMemberSnapshot(snapshot.data);
		this.state.restore({ index, data: restored.state });
		this.#restoreAddresses(restored.addresses);
		this.snapshotsInstalled++;
		this.#waiters.coveredBySnapshot(index, this.core.lead);
	}

	/** Snapshots the replicated state once `snapshotEvery` entries were applied since the last. */
	async #maybeSnapshot(): Promise<void> {
		const applied = this.state.appliedIndex;
		if (this.#closed || applied - this.core.log.snapshotIndex() < this.snapshotEvery) return;
		const data = encodeMemberSnapshot({
			state: this.state.snapshot().data,
			addresses: this.#addresses.list(),
		});
		const snapshot = this.core.compact(applied, data);
		await this.wal.saveSnapshot(snapshotToWal(snapshot));
	}

	#apply(entry: Entry): void {
		const confWaiting = this.#confChanges.get(entry.index);
		this.#confChanges.delete(entry.index);
		const applied = this.state.apply(entry.index, entry.data);
		if (isConfChangeData(entry.data)) {
			this.#applyConfEntry(entry);
			confWaiting?.({ kind: "ok", members: this.members() });
		} else {
			// A new leader's entry took the slot the change was waiting on: it was lost.
			confWaiting?.({ kind: "notLeader", leader: this.core.lead });
		}
		this.#waiters.applied(entry.index, waiterOutcome(applied), this.core.lead);
	}

	/** A committed configuration entry: no KV command; a removed node's link goes. */
	#applyConfEntry(entry: Entry): void {
		const change = decodeConfEntry(entry.data)?.change;
		if (change?.kind !== "remove" || change.id === this.id) return;
		if (!isMember(this.core.membership, change.id)) this.transport.removePeer(change.id);
	}

	#serveReads(): void {
		const still: (PendingRead & { readonly index: number })[] = [];
		for (const read of this.#readsWaitingApply) {
			if (read.index > this.state.appliedIndex) still.push(read);
			else read.serve();
		}
		this.#readsWaitingApply = still;
	}
}

interface PendingRead {
	readonly serve: () => void;
	readonly abandon: (leader: NodeId) => void;
}

/** What callers waiting on an entry hear: a command's result, or nothing of theirs. */
function waiterOutcome(applied: StateApplied): Applied<CommandResult> {
	switch (applied.kind) {
		case "kv": {
			const a = applied.applied;
			if (a.kind !== "command") return { kind: "other" };
			const { client, seq } = a.command;
			if (a.outcome.kind === "stale") return { kind: "stale", client, seq };
			if (a.outcome.kind === "session-expired") return { kind: "session-expired", client, seq };
			return { kind: "command", client, seq, result: { machine: "kv", result: a.outcome.result } };
		}
		case "purge": {
			const a = applied.applied;
			const result = purgeResult(a);
			if (result === undefined || (a.kind !== "purged" && a.kind !== "duplicate"))
				return { kind: "other" };
			// A duplicate's record is the first one's, whose session is the same.
			const { client, seq } = a.record;
			return { kind: "command", client, seq, result: { machine: "purge", result } };
		}
		case "pop-config": {
			const a = applied.applied;
			if (a.kind !== "command") return { kind: "other" };
			const { client, seq } = a.command;
			if (a.outcome.kind === "stale") return { kind: "stale", client, seq };
			if (a.outcome.kind === "session-expired") return { kind: "session-expired", client, seq };
			const result = a.outcome.result;
			return { kind: "command", client, seq, result: { machine: "pop-config", result } };
		}
		case "session": {
			const result = { machine: "session", result: { client: applied.client } } as const;
			return { kind: "command", client: applied.nonce, seq: SESSIONLESS_SEQ, result };
		}
		case "noop":
			return { kind: "other" };
	}
}

function toWal(entry: Entry): WalEntry {
	return { index: entry.index, term: entry.term, data: encoder.encode(entry.data) };
}

function fromWal(entry: WalEntry): Entry {
	return { index: entry.index, term: entry.term, data: decoder.decode(entry.data) };
}
