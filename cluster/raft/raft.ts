/**
 * The Raft state machine: pure and deterministic. Inputs are `step(message)`, `tick()`,
 * `propose(data)` and `readIndex(context)`; outputs accumulate until the driver takes them
 * with `ready()` and confirms with `advance()`. No I/O, no clock, no Math.random: the
 * election timeout is randomized with the injected `random`.
 *
 * Implemented: leader election with randomized timeouts (§5.2), PreVote and CheckQuorum
 * (thesis §9.6), log replication with batching and per-follower flow control (§5.3),
 * fast backtracking on conflicts, the current-term commit rule (§5.4.2), ReadIndex
 * (thesis §6.4), non-voting learners, single-server membership changes through the log
 * (thesis §4.1, §4.3; rules in membership.ts) and leadership transfer (thesis §3.10,
 * transfer.ts). The configuration in force is the latest in the log, committed or not.
 * Snapshots (§7): the driver compacts the log to what its state machine snapshotted
 * (`compact`); a follower that needs compacted entries gets the snapshot in chunks
 * (snapshot-sender.ts, snapshot-receiver.ts) and its driver restores it from Ready. A
 * snapshot records the configuration as of its index, and installing one resets the
 * configuration history to it.
 */
import { DEFAULT_MAX_APPEND_DATA_CHARS, withinDataBudget } from "./append-budget.ts";
import { RaftLog } from "./log.ts";
import {
	applyConfChange,
	type ConfChange,
	ConfigHistory,
	encodeConfEntry,
	isConfChangeData,
	isMember,
	type MembershipConfig,
} from "./membership.ts";
import {
	type Append,
	type AppendResponse,
	type Entry,
	type HardState,
	type Heartbeat,
	type HeartbeatResponse,
	type Message,
	NONE,
	type NodeId,
	type RejectHint,
	type SnapshotChunk,
	type SnapshotChunkResponse,
	type TimeoutNow,
	type VoteRequest,
	type VoteResponse,
} from "./messages.ts";
import { Progress } from "./progress.ts";
import { hardStateEqual, type ReadState, type Ready } from "./ready.ts";
import type { Snapshot } from "./snapshot.ts";
import { SnapshotReceiver } from "./snapshot-receiver.ts";
import { nextChunks } from "./snapshot-sender.ts";
import { LeaderTransfer, type TransferResult, transferRefusal } from "./transfer.ts";

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

export interface RaftConfig {
	readonly id: NodeId;
	/**
	 * The founding voters: the configuration before the log's first configuration entry.
	 * A node joining later may be outside it (or pass none): it takes no part until an
	 * entry naming it reaches its log, and adopts each configuration entry's as written.
	 */
	readonly peers: readonly NodeId[];
	/**
	 * Founding members that receive and apply the log but never vote, campaign, or count
	 * toward a quorum (for commit, CheckQuorum or ReadIndex).
	 */
	readonly learners?: readonly NodeId[];
	/** Ticks without a leader before campaigning; randomized in [this, 2 * this). */
	readonly electionTicks: number;
	/** Ticks between a leader's heartbeats; below electionTicks. */
	readonly heartbeatTicks: number;
	/** A uniform number in [0, 1): the only source of randomness. */
	readonly random: () => number;
	readonly preVote: boolean;
	readonly checkQuorum: boolean;
	/** Most entries in one append. */
	readonly maxEntriesPerAppend: number;
	/**
	 * Most code units of entry data in one append (default 512 Ki), but never fewer than one
	 * entry: a driver's frames are bounded, so appends are bounded by size too.
	 */
	readonly maxAppendDataChars?: number;
	/** Most unacknowledged append batches per follower while replicating. */
	readonly maxInflight: number;
	/**
	 * What the node persisted before (a restart); nothing for a new node. With a snapshot,
	 * `entries` follow it, and its membership replaces `peers` and `learners`.
	 */
	readonly storage?: {
		readonly hardState: HardState;
		readonly entries: readonly Entry[];
		readonly snapshot?: Snapshot;
	};
	/**
	 * The index the state machine already holds (0: it is rebuilt from the log; with a
	 * snapshot, at least the snapshot's index, which the driver restored).
	 */
	readonly applied?: number;
	/** Most code units of snapshot data per InstallSnapshot chunk (default 512 Ki). */
	readonly snapshotChunkSize?: number;
}

export const DEFAULT_SNAPSHOT_CHUNK_SIZE = 512 * 1024;

/**
 * A refused proposal names the leader to ask instead. During a leadership transfer the
 * leader refuses with `leader` NONE, as a node in an election would: try again shortly.
 */
export type ProposeResult =
	| { readonly ok: true; readonly index: number; readonly term: number }
	| { readonly ok: false; readonly leader: NodeId; readonly reason: "notLeader" | "transferring" };

/** Why a leader refuses a configuration change (see proposeConfChange). */
export type ConfChangeRefusal =
	| "pending"
	| "leaderNotReady"
	| "transferring"
	| "invalid"
	| "notCaughtUp";

export type ConfChangeResult =
	| { readonly ok: true; readonly index: number; readonly term: number }
	| { readonly ok: false; readonly reason: "notLeader"; readonly leader: NodeId }
	| { readonly ok: false; readonly reason: ConfChangeRefusal; readonly message: string };

export type ReadIndexResult =
	| { readonly ok: true }
	| { readonly ok: false; readonly leader: NodeId };

interface PendingRead {
	readonly context: string;
	readonly index: number;
	readonly round: number;
}

export class Raft {
	readonly id: NodeId;
	readonly log: RaftLog;
	term = 0;
	vote: NodeId = NONE;
	lead: NodeId = NONE;
	role: Role = "follower";

	private readonly config: RaftConfig;
	/** The configurations in the log; the latest is in force. */
	private configs: ConfigHistory;
	private readonly transfer = new LeaderTransfer();
	private electionElapsed = 0;
	private heartbeatElapsed = 0;
	private randomizedElectionTicks = 0;
	private readonly votes = new Map<NodeId, boolean>();
	private readonly progress = new Map<NodeId, Progress>();
	private messages: Message[] = [];
	private readStates: ReadState[] = [];
	/** Reads waiting for the leader's first commit in its term. */
	private deferredReads: string[] = [];
	/** Reads waiting for a quorum to acknowledge their heartbeat round. */
	private pendingReads: PendingRead[] = [];
	/** Numbers the leader's heartbeat broadcasts; answers echo it (ReadIndex, flow control). */
	private heartbeatRound = 0;
	private lastHardState: HardState;
	private readonly snapshotReceiver = new SnapshotReceiver();
	private readonly snapshotChunkSize: number;

	constructor(config: RaftConfig) {
		if (!Number.isInteger(config.id) || config.id <= NONE) {
			throw new Error(`node id must be a positive integer, got ${config.id}`);
		}
		const learners = [...new Set(config.learners ?? [])];
		if (learners.some((id) => config.peers.includes(id))) {
			throw new Error("a node cannot be both a voter and a learner");
		}
		if (config.heartbeatTicks < 1 || config.heartbeatTicks >= config.electionTicks) {
			throw new Error("need 1 <= heartbeatTicks < electionTicks");
		}
		if (config.maxEntriesPerAppend < 1 || config.maxInflight < 1) {
			throw new Error("maxEntriesPerAppend and maxInflight must be at least 1");
		}
		const chunkSize = config.snapshotChunkSize ?? DEFAULT_SNAPSHOT_CHUNK_SIZE;
		if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
			throw new Error(`snapshotChunkSize must be a positive integer, got ${chunkSize}`);
		}
		this.config = config;
		this.id = config.id;
		this.snapshotChunkSize = chunkSize;
		const stored = config.storage;
		const base = stored?.snapshot?.meta;
		this.configs = base
			? new ConfigHistory(base.config, base.index, base.term)
			: new ConfigHistory({ voters: [...new Set(config.peers)], learners });
		this.log = new RaftLog(
			stored?.entries,
			stored?.hardState.commit,
			config.applied,
			stored?.snapshot,
		);
		this.configs.record(stored?.entries ?? []);
		if (stored) {
			this.term = stored.hardState.term;
			this.vote = stored.hardState.vote;
		}
		this.lastHardState = this.hardState();
		this.becomeFollower(this.term, NONE);
	}

	/** The configuration in force: the latest in the log, committed or not. */
	get membership(): MembershipConfig {
		return this.configs.current;
	}

	/** The configuration once the log up to `index` is applied (for a snapshot at `index`). */
	membershipAt(index: number): MembershipConfig {
		return this.configs.configAt(index);
	}

	/** The voters in force. */
	get peers(): readonly NodeId[] {
		return this.configs.current.voters;
	}

	get learners(): readonly NodeId[] {
		return this.configs.current.learners;
	}

	/** The index of the latest configuration entry (0: none); uncommitted if above commit. */
	get pendingConfIndex(): number {
		return this.configs.latestIndex;
	}

	/** The voter this leader is handing leadership to, or NONE. */
	get transferTarget(): NodeId {
		return this.transfer.target;
	}

	hardState(): HardState {
		return { term: this.term, vote: this.vote, commit: this.log.committed };
	}

	/** Leader only: what it knows of `peer` (for tests and metrics). */
	progressOf(peer: NodeId): Progress | undefined {
		return this.progress.get(peer);
	}

	// ---- inputs ---------------------------------------------------------------------------

	tick(): void {
		if (this.role === "leader") {
			this.tickLeader();
			return;
		}
		this.electionElapsed++;
		if (this.isVoter() && this.electionElapsed >= this.randomizedElectionTicks) {
			this.electionElapsed = 0;
			this.campaign(this.config.preVote ? "preVote" : "vote");
		}
	}

	propose(data: string): ProposeResult {
		if (isConfChangeData(data)) {
			throw new Error("configuration changes go through proposeConfChange, not propose");
		}
		if (this.role !== "leader") return { ok: false, leader: this.lead, reason: "notLeader" };
		if (this.transfer.active) return { ok: false, leader: NONE, reason: "transferring" };
		const entry = this.log.appendNew(this.term, data);
		this.afterLeaderAppend();
		return { ok: true, index: entry.index, term: entry.term };
	}

	/**
	 * Proposes one single-server configuration change. It takes effect here at once (and on
	 * each follower when the entry reaches its log). Refused: on a follower; while another
	 * change is uncommitted; before this leader committed an entry of its term (otherwise a
	 * change could be lost alongside an uncommitted one from an earlier term and two
	 * disjoint majorities decide: Ongaro, raft-dev, 2015); during a leadership transfer;
	 * when the change makes no sense for the configuration; and a promotion while the
	 * learner's log is behind this leader's commit index (it would slow every commit until
	 * it caught up, or stop them if enough voters are down).
	 */
	proposeConfChange(change: ConfChange): ConfChangeResult {
		if (this.role !== "leader") return { ok: false, reason: "notLeader", leader: this.lead };
		if (this.transfer.active) {
			return { ok: false, reason: "transferring", message: "a leadership transfer is under way" };
		}
		if (this.configs.latestIndex > this.log.committed) {
			const message = `configuration change at index ${this.configs.latestIndex} is not committed yet`;
			return { ok: false, reason: "pending", message };
		}
		if (!this.committedInTerm()) {
			const message = "a new leader must commit an entry of its term first";
			return { ok: false, reason: "leaderNotReady", message };
		}
		const next = applyConfChange(this.configs.current, change);
		if (!next.ok) return { ok: false, reason: "invalid", message: next.message };
		if (change.kind === "promote") {
			const match = this.progress.get(change.id)?.match ?? 0;
			if (match < this.log.committed) {
				const message = `learner ${change.id} holds the log to ${match}, behind commit ${this.log.committed}`;
				return { ok: false, reason: "notCaughtUp", message };
			}
		}
		const entry = this.log.appendNew(this.term, encodeConfEntry({ change, config: next.config }));
		this.configs.record([entry]);
		this.leaderConfigChanged(entry.index);
		this.afterLeaderAppend();
		return { ok: true, index: entry.index, term: entry.term };
	}

	/**
	 * Hands leadership to voter `target` (thesis §3.10): proposals are refused meanwhile, the
	 * target's log is brought up to date, then it is told to campaign at once (timeoutNow).
	 * Abandoned after an election timeout. A learner or a non-member is refused.
	 */
	transferLeadership(target: NodeId): TransferResult {
		if (this.role !== "leader") return { ok: false, reason: "notLeader", leader: this.lead };
		if (target === this.id && this.isVoter()) return { ok: true };
		const refusal = transferRefusal(this.configs.current, this.id, target);
		if (refusal !== undefined) return { ok: false, reason: "invalid", message: refusal };
		this.transfer.start(target);
		const pr = this.progress.get(target) as Progress;
		if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(target);
		else this.sendAppends(target, true);
		return { ok: true };
	}

	/**
	 * Asks for a linearizable read. On a leader, a ReadState with `context` comes out of a
	 * later ready() once a quorum confirmed leadership after this call; other nodes refuse.
	 */
	readIndex(context: string): ReadIndexResult {
		if (this.role !== "leader") return { ok: false, leader: this.lead };
		if (!this.committedInTerm()) {
			this.deferredReads.push(context);
		} else {
			this.startReads([context]);
		}
		return { ok: true };
	}

	/**
	 * The driver's state machine snapshotted everything up to `index` (applied: handed out
	 * in a Ready's committed entries, and applied by the driver) as
	 * `data`: the log forgets the entries up to it. Returns the snapshot, with its term and
	 * the membership, for the driver to persist (after which it may drop those entries too).
	 */
	compact(index: number, data: string): Snapshot {
		const term = this.log.term(index);
		if (term === undefined) throw new Error(`cannot compact to ${index}: not in the log`);
		const snapshot = { meta: { index, term, config: this.membershipAt(index) }, data };
		this.log.compact(snapshot);
		return snapshot;
	}

	/**
	 * Messages from non-members are taken too (thesis §4.1): a new member's leader may not be
	 * in its configuration yet, and a voter its entry has not reached yet may need its vote.
	 * Removed servers cannot disrupt a working cluster for long: they stop campaigning once
	 * they see their removal, and PreVote and CheckQuorum's lease ignore them meanwhile.
	 */
	step(m: Message): void {
		if (m.to !== this.id || m.from === this.id) return;
		if (m.term > this.term) {
			if (!this.onHigherTerm(m)) return;
		} else if (m.term < this.term) {
			this.onLowerTerm(m);
			return;
		}
		switch (m.type) {
			case "vote":
			case "preVote":
				this.onVoteRequest(m);
				return;
			case "voteResp":
			case "preVoteResp":
				this.onVoteResponse(m);
				return;
			case "app":
			case "heartbeat":
			case "snap":
				if (this.role === "leader") return;
				if (this.role !== "follower") this.becomeFollower(this.term, m.from);
				this.lead = m.from;
				this.electionElapsed = 0;
				if (m.type === "app") this.onAppend(m);
				else if (m.type === "heartbeat") this.onHeartbeat(m);
				else this.onSnapshotChunk(m);
				return;
			case "appResp":
				if (this.role === "leader") this.onAppendResponse(m);
				return;
			case "heartbeatResp":
				if (this.role === "leader") this.onHeartbeatResponse(m);
				return;
			case "snapResp":
				if (this.role === "leader") this.onSnapshotResponse(m);
				return;
			case "timeoutNow":
				this.onTimeoutNow(m);
				return;
		}
	}

	// ---- outputs --------------------------------------------------------------------------

	hasReady(): boolean {
		return (
			this.messages.length > 0 ||
			this.readStates.length > 0 ||
			this.log.pendingSnapshot !== undefined ||
			this.log.hasUnpersisted() ||
			this.log.hasCommittedToApply() ||
			!hardStateEqual(this.hardState(), this.lastHardState)
		);
	}

	/** Takes everything pending; see ready.ts for what the driver must do with it. */
	ready(): Ready {
		const hard = this.hardState();
		const changed = !hardStateEqual(hard, this.lastHardState);
		this.lastHardState = hard;
		const ready: Ready = {
			hardState: changed ? hard : undefined,
			snapshot: this.log.takePendingSnapshot(),
			entries: this.log.takeUnpersisted(),
			committedEntries: this.log.takeCommitted(),
			messages: this.messages,
			readStates: this.readStates,
		};
		this.messages = [];
		this.readStates = [];
		return ready;
	}

	/** The driver handled `ready`: its snapshot is restored, its committed entries applied. */
	advance(ready: Ready): void {
		if (ready.snapshot) this.log.appliedTo(ready.snapshot.meta.index);
		const last = ready.committedEntries.at(-1);
		if (last) this.log.appliedTo(last.index);
	}

	// ---- roles ----------------------------------------------------------------------------

	private reset(term: number): void {
		if (term !== this.term) {
			this.term = term;
			this.vote = NONE;
		}
		this.lead = NONE;
		this.electionElapsed = 0;
		this.heartbeatElapsed = 0;
		const base = this.config.electionTicks;
		this.randomizedElectionTicks = base + Math.floor(this.config.random() * base);
		this.votes.clear();
		this.progress.clear();
		this.deferredReads = [];
		this.pendingReads = [];
		this.heartbeatRound = 0;
		this.transfer.stop();
	}

	private becomeFollower(term: number, lead: NodeId): void {
		this.reset(term);
		this.lead = lead;
		this.role = "follower";
	}

	private becomePreCandidate(): void {
		// The term and vote stay: a pre-election changes nothing a real one would.
		this.votes.clear();
		this.lead = NONE;
		this.role = "preCandidate";
	}

	private becomeCandidate(): void {
		this.reset(this.term + 1);
		this.vote = this.id;
		this.role = "candidate";
	}

	private becomeLeader(): void {
		this.reset(this.term);
		this.lead = this.id;
		this.role = "leader";
		this.leaderConfigChanged(this.log.lastIndex() + 1);
		// §5.4.2 and §6.4: entries of earlier terms commit, and reads start, only once an
		// entry of this term commits; the no-op makes that happen without waiting for a client.
		this.log.appendNew(this.term, "");
		this.afterLeaderAppend();
	}

	/** `transfer`: the leader asked for this election (timeoutNow). */
	private campaign(kind: "vote" | "preVote", transfer = false): void {
		if (kind === "preVote") {
			this.becomePreCandidate();
			this.requestVotes("preVote", this.term + 1, false);
		} else {
			this.becomeCandidate();
			this.requestVotes("vote", this.term, transfer);
		}
	}

	private requestVotes(type: "vote" | "preVote", term: number, transfer: boolean): void {
		this.votes.set(this.id, true);
		if (this.tallyAndAct()) return;
		for (const peer of this.peers) {
			if (peer === this.id) continue;
			this.send({
				type,
				from: this.id,
				to: peer,
				term,
				lastIndex: this.log.lastIndex(),
				lastTerm: this.log.lastTerm(),
				transfer,
			} satisfies VoteRequest);
		}
	}

	/** Counts the votes; wins or loses the (pre-)election when a quorum decided. */
	private tallyAndAct(): boolean {
		let granted = 0;
		let rejected = 0;
		for (const ok of this.votes.values()) {
			if (ok) granted++;
			else rejected++;
		}
		if (granted >= this.quorum()) {
			if (this.role === "preCandidate") this.campaign("vote");
			else this.becomeLeader();
			return true;
		}
		if (rejected >= this.quorum()) {
			this.becomeFollower(this.term, NONE);
			return true;
		}
		return false;
	}

	// ---- terms ----------------------------------------------------------------------------

	/** A message from a higher term; false if it must be ignored. */
	private onHigherTerm(m: Message): boolean {
		if ((m.type === "vote" && !m.transfer) || m.type === "preVote") {
			// While a leader was heard from within an election timeout, a (pre-)candidate's
			// higher term is not worth disrupting it for: PreVote's rule (thesis §9.6), and
			// with CheckQuorum a leader's lease for real votes too. Unless the leader itself
			// asked for the election (a transfer), which ends its lease.
			const inLease =
				(this.config.checkQuorum || m.type === "preVote") &&
				this.lead !== NONE &&
				this.electionElapsed < this.config.electionTicks;
			if (inLease) return false;
		}
		if (m.type === "preVote") return true; // answering a pre-vote changes no term
		if (m.type === "preVoteResp" && !m.reject) return true; // the term we would campaign for
		const lead = m.type === "app" || m.type === "heartbeat" || m.type === "snap" ? m.from : NONE;
		this.becomeFollower(m.term, lead);
		return true;
	}

	private onLowerTerm(m: Message): void {
		if (m.type === "app" || m.type === "heartbeat" || m.type === "snap") {
			// A stale leader (partitioned, and without CheckQuorum to notice) learns the term.
			this.send({
				type: "appResp",
				from: this.id,
				to: m.from,
				term: this.term,
				index: 0,
				reject: false,
				hint: undefined,
			} satisfies AppendResponse);
		} else if (m.type === "preVote" || m.type === "vote") {
			// The refusal carries our term, as the paper's RequestVote reply does (§5.1): a
			// candidate behind in term learns it and campaigns above it next time. Ignored, it
			// could stay behind for good: a voter whose log has not reached the candidate's
			// promotion does not count it a peer, so never sends it anything, and two such
			// nodes, timing out at the same rate, keep leapfrogging each other's terms (a
			// simulated cluster sat leaderless for a hundred terms that way).
			this.send({
				type: m.type === "vote" ? "voteResp" : "preVoteResp",
				from: this.id,
				to: m.from,
				term: this.term,
				reject: true,
			} satisfies VoteResponse);
		}
	}

	// ---- elections ------------------------------------------------------------------------

	private onVoteRequest(m: VoteRequest): void {
		const canVote =
			this.vote === m.from ||
			(this.vote === NONE && this.lead === NONE) ||
			(m.type === "preVote" && m.term > this.term);
		const grant = canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm);
		const type = m.type === "vote" ? "voteResp" : "preVoteResp";
		this.send({
			type,
			from: this.id,
			to: m.from,
			term: grant ? m.term : this.term,
			reject: !grant,
		} satisfies VoteResponse);
		if (grant && m.type === "vote") {
			this.vote = m.from;
			this.electionElapsed = 0;
		}
	}

	private onVoteResponse(m: VoteResponse): void {
		const expected = m.type === "voteResp" ? "candidate" : "preCandidate";
		if (this.role !== expected || !this.peers.includes(m.from)) return;
		if (m.type === "preVoteResp" && !m.reject && m.term !== this.term + 1) return;
		this.votes.set(m.from, !m.reject);
		this.tallyAndAct();
	}

	// ---- followers ------------------------------------------------------------------------

	private onAppend(m: Append): void {
		const reply = (index: number, reject: boolean, hint: RejectHint | undefined) =>
			this.send({
				type: "appResp",
				from: this.id,
				to: m.from,
				term: this.term,
				index,
				reject,
				hint,
			} satisfies AppendResponse);
		const committed = this.log.committed;
		if (m.prevIndex < committed) {
			// Everything up to the commit index matches the leader's log already: keep only
			// what the message says beyond it.
			const end = m.prevIndex + m.entries.length;
			if (end <= committed) {
				reply(committed, false, undefined);
				return;
			}
			const rest = m.entries.slice(committed - m.prevIndex);
			const lastNew = this.log.tryAppend(committed, this.log.term(committed) as number, rest);
			this.configs.followLog(this.log, rest);
			this.log.commitTo(Math.min(m.commit, lastNew as number));
			reply(lastNew as number, false, undefined);
			return;
		}
		const lastNew = this.log.tryAppend(m.prevIndex, m.prevTerm, m.entries);
		if (lastNew !== undefined) {
			// A truncated configuration entry takes its configuration with it (thesis §4.1).
			this.configs.followLog(this.log, m.entries);
			this.log.commitTo(Math.min(m.commit, lastNew));
			reply(lastNew, false, undefined);
			return;
		}
		const myTerm = this.log.term(m.prevIndex);
		const hint: RejectHint =
			myTerm === undefined
				? { kind: "short", lastIndex: this.log.lastIndex() }
				: { kind: "conflict", term: myTerm, firstIndex: this.log.firstIndexOfTermAt(m.prevIndex) };
		reply(m.prevIndex, true, hint);
	}

	/**
	 * A chunk of the leader's snapshot. A follower that already holds the snapshot's index
	 * (committed, or an entry of the same term there) needs none of it: it keeps its log
	 * and answers as if the entries had come. Otherwise the chunk joins the assembly; the
	 * last one installs the snapshot, which replaces the log.
	 */
	private onSnapshotChunk(m: SnapshotChunk): void {
		const { index, term } = m.meta;
		const answerInstalled = (at: number) =>
			this.send({
				type: "appResp",
				from: this.id,
				to: m.from,
				term: this.term,
				index: at,
				reject: false,
				hint: undefined,
			} satisfies AppendResponse);
		if (index <= this.log.committed) {
			this.snapshotReceiver.reset();
			answerInstalled(this.log.committed);
			return;
		}
		if (this.log.matchTerm(index, term)) {
			this.snapshotReceiver.reset();
			this.log.commitTo(index);
			answerInstalled(index);
			return;
		}
		const outcome = this.snapshotReceiver.accept(m);
		if (outcome.kind === "complete") {
			this.log.restore(outcome.snapshot);
			const meta = outcome.snapshot.meta;
			this.configs = new ConfigHistory(meta.config, meta.index, meta.term);
			answerInstalled(index);
			return;
		}
		this.send({
			type: "snapResp",
			from: this.id,
			to: m.from,
			term: this.term,
			index,
			offset: outcome.offset,
			reject: outcome.kind === "reject",
		} satisfies SnapshotChunkResponse);
	}

	private onHeartbeat(m: Heartbeat): void {
		// The leader sends at most the follower's match index, so this never passes the log.
		this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
		this.send({
			type: "heartbeatResp",
			from: this.id,
			to: m.from,
			term: this.term,
			context: m.context,
		} satisfies HeartbeatResponse);
	}

	// ---- leaders --------------------------------------------------------------------------

	private tickLeader(): void {
		this.heartbeatElapsed++;
		this.electionElapsed++;
		this.transfer.tick(this.config.electionTicks);
		if (this.electionElapsed >= this.config.electionTicks) {
			this.electionElapsed = 0;
			if (this.config.checkQuorum) {
				let active = this.isVoter() ? 1 : 0;
				for (const [peer, pr] of this.progress) {
					if (pr.recentActive && this.peers.includes(peer)) active++;
					pr.recentActive = false;
				}
				if (active < this.quorum()) {
					this.becomeFollower(this.term, NONE);
					return;
				}
			}
		}
		if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
			this.heartbeatElapsed = 0;
			this.broadcastHeartbeat();
		}
	}

	private afterLeaderAppend(): void {
		if (!this.maybeCommit()) {
			for (const peer of this.progress.keys()) this.sendAppends(peer, false);
		}
	}

	/** Sends appends to `peer` while its window is open and entries remain; false if none. */
	private sendAppends(peer: NodeId, sendIfEmpty: boolean): boolean {
		const pr = this.progress.get(peer) as Progress;
		// The entries it needs next were compacted: only the snapshot can bring it up.
		if (pr.state === "snapshot" || this.log.isCompacted(pr.next - 1)) {
			return this.sendSnapshotChunks(peer, pr);
		}
		let sentAny = false;
		while (!pr.isPaused()) {
			const prevIndex = pr.next - 1;
			const hi = Math.min(this.log.lastIndex() + 1, pr.next + this.config.maxEntriesPerAppend);
			const entries = withinDataBudget(
				this.log.slice(pr.next, hi),
				this.config.maxAppendDataChars ?? DEFAULT_MAX_APPEND_DATA_CHARS,
			);
			if (entries.length === 0 && (sentAny || !sendIfEmpty)) break;
			this.send({
				type: "app",
				from: this.id,
				to: peer,
				term: this.term,
				prevIndex,
				prevTerm: this.log.term(prevIndex) as number,
				entries,
				commit: this.log.committed,
			} satisfies Append);
			pr.sent(prevIndex + entries.length, entries.length);
			pr.commitSent = this.log.committed;
			pr.appendRound = this.heartbeatRound;
			sentAny = true;
			if (entries.length === 0) break;
		}
		return sentAny;
	}

	/** Sends `peer` the next chunks of the leader's snapshot (a newer one starts over). */
	private sendSnapshotChunks(peer: NodeId, pr: Progress): boolean {
		const snapshot = this.log.snapshot as Snapshot;
		if (pr.transfer?.index !== snapshot.meta.index) pr.becomeSnapshot(snapshot.meta.index);
		const plan = {
			from: this.id,
			to: peer,
			term: this.term,
			snapshot,
			chunkSize: this.snapshotChunkSize,
			window: this.config.maxInflight,
		};
		const chunks = nextChunks(plan, pr.transfer as NonNullable<Progress["transfer"]>);
		for (const chunk of chunks) this.send(chunk);
		if (chunks.length > 0) pr.appendRound = this.heartbeatRound;
		return chunks.length > 0;
	}

	private onSnapshotResponse(m: SnapshotChunkResponse): void {
		const pr = this.progress.get(m.from);
		if (pr === undefined) return; // no longer a member
		pr.recentActive = true;
		if (pr.chunkAnswered(m.index, m.offset, m.reject)) this.sendAppends(m.from, false);
	}

	private broadcastHeartbeat(): void {
		this.heartbeatRound++;
		for (const [peer, pr] of this.progress) {
			this.send({
				type: "heartbeat",
				from: this.id,
				to: peer,
				term: this.term,
				commit: Math.min(pr.match, this.log.committed),
				context: this.heartbeatRound,
			} satisfies Heartbeat);
		}
	}

	private onAppendResponse(m: AppendResponse): void {
		const pr = this.progress.get(m.from);
		if (pr === undefined) return; // no longer a member
		pr.recentActive = true;
		if (m.reject) {
			if (pr.rejectedAt(m.index, this.resumeIndex(m))) this.sendAppends(m.from, true);
			return;
		}
		if (pr.update(m.index)) {
			// A follower in snapshot state is done once it holds the leader's snapshot index.
			const caughtUp = pr.state === "snapshot" && !this.log.isCompacted(pr.match);
			if (pr.state === "probe" || caughtUp) pr.becomeReplicate();
			this.maybeSendTimeoutNow(m.from);
			if (this.maybeCommit()) return;
		}
		this.sendAppends(m.from, pr.commitSent < this.log.committed);
	}

	/** Where to resume after a reject, from the follower's hint (fast backtracking). */
	private resumeIndex(m: AppendResponse): number {
		const hint = m.hint;
		if (hint === undefined) return m.index;
		if (hint.kind === "short") return hint.lastIndex + 1;
		const mine = this.log.lastIndexOfTerm(hint.term);
		return mine === undefined ? hint.firstIndex : mine + 1;
	}

	private onHeartbeatResponse(m: HeartbeatResponse): void {
		const pr = this.progress.get(m.from);
		if (pr === undefined) return; // no longer a member
		pr.recentActive = true;
		pr.heartbeatAnswered(m.context);
		if (pr.match < this.log.lastIndex()) this.sendAppends(m.from, true);
		this.releaseReads();
	}

	/** Commits the highest index a quorum holds, if it is of this term (§5.4.2). */
	private maybeCommit(): boolean {
		// A leader being removed still leads until its removal commits, but its own log no
		// longer counts (thesis §4.2.2).
		const matches = this.isVoter() ? [this.log.lastIndex()] : [];
		for (const [peer, pr] of this.progress) if (this.peers.includes(peer)) matches.push(pr.match);
		matches.sort((a, b) => b - a);
		const index = matches[this.quorum() - 1] ?? 0;
		if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
		const wasInTerm = this.committedInTerm();
		this.log.commitTo(index);
		if (!wasInTerm && this.deferredReads.length > 0) {
			const reads = this.deferredReads;
			this.deferredReads = [];
			this.startReads(reads);
		}
		for (const peer of this.progress.keys()) this.sendAppends(peer, true);
		if (this.configs.latestIndex <= this.log.committed) {
			if (!this.isVoter()) {
				// Its removal committed (and the appends above carry that to the others): the
				// remaining voters elect a leader among themselves.
				this.becomeFollower(this.term, NONE);
				return true;
			}
			this.forgetRemoved();
		}
		return true;
	}

	private committedInTerm(): boolean {
		return this.log.term(this.log.committed) === this.term;
	}

	private startReads(contexts: readonly string[]): void {
		const index = this.log.committed;
		if (this.quorum() === 1 && this.isVoter()) {
			for (const context of contexts) this.readStates.push({ index, context });
			return;
		}
		// Confirmed by answers to the heartbeat sent now, or to any later one.
		const round = this.heartbeatRound + 1;
		for (const context of contexts) this.pendingReads.push({ context, index, round });
		this.broadcastHeartbeat();
	}

	/** Serves every read whose heartbeat round a quorum acknowledged. */
	private releaseReads(): void {
		while (this.pendingReads.length > 0) {
			const read = this.pendingReads[0] as PendingRead;
			let acks = this.isVoter() ? 1 : 0;
			for (const [peer, pr] of this.progress) {
				if (pr.ackedRound >= read.round && this.peers.includes(peer)) acks++;
			}
			if (acks < this.quorum()) return;
			this.pendingReads.shift();
			this.readStates.push({ index: read.index, context: read.context });
		}
	}

	private send(m: Message): void {
		this.messages.push(m);
	}

	// ---- membership and transfer -----------------------------------------------------------

	private isVoter(): boolean {
		return this.configs.current.voters.includes(this.id);
	}

	/** A majority of the voters in force. */
	private quorum(): number {
		return Math.floor(this.configs.current.voters.length / 2) + 1;
	}

	/**
	 * The leader's configuration changed (or it just became leader): track every member but
	 * itself. A member new to it is probed from `next`, and a rejection walks that back to
	 * where the member's log ends. A removed member is still sent the log until its removal
	 * commits (its answers count for nothing), so it most likely learns it was removed and
	 * stops campaigning; forgetRemoved() drops it then.
	 */
	private leaderConfigChanged(next: number): void {
		const config = this.configs.current;
		for (const peer of [...config.voters, ...config.learners]) {
			if (peer !== this.id && !this.progress.has(peer)) {
				this.progress.set(peer, new Progress(next, this.config.maxInflight));
			}
		}
	}

	/** The latest configuration committed: stop tracking the members it removed. */
	private forgetRemoved(): void {
		const config = this.configs.current;
		for (const peer of [...this.progress.keys()]) {
			if (!isMember(config, peer)) this.progress.delete(peer);
		}
	}

	private maybeSendTimeoutNow(peer: NodeId): void {
		if (this.transfer.target !== peer || this.transfer.timeoutSent) return;
		if ((this.progress.get(peer) as Progress).match === this.log.lastIndex()) {
			this.sendTimeoutNow(peer);
		}
	}

	private sendTimeoutNow(peer: NodeId): void {
		this.transfer.timeoutSent = true;
		this.send({
			type: "timeoutNow",
			from: this.id,
			to: peer,
			term: this.term,
		} satisfies TimeoutNow);
	}

	/** The leader asks this node to take over: campaign now, no PreVote, no timeout. */
	private onTimeoutNow(_m: TimeoutNow): void {
		if (this.role === "leader" || !this.isVoter()) return;
		this.campaign("vote", true);
	}
}
