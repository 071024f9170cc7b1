/**
 * One Raft member with real I/O: the pure core (cluster/raft/) driven by a tick timer,
 * persisted through the write-ahead log (cluster/wal/), talking to its peers over the
 * transport (cluster/transport/), applying to the KV state machine (cluster/kv/). It
 * follows ready.ts's order, as cluster/sim/sim-node.ts does in virtual time: persist (await
 * the fsync) -> send -> apply and serve reads -> advance, with the two relaxations ready.ts
 * allows (pipeline.ts has the pieces):
 * - a leader's appends and heartbeats leave before its own fsync, so the leader's disk and
 *   the followers' work at once (thesis §10.2.1); the AckGate holds back follower successes
 *   beyond what the leader made durable, so the core's count of its own log stays true;
 * - committed entries this node already made durable (earlier Readies, below this one's
 *   first entry) are applied, and reads served, before this Ready's fsync, not after it.
 * Appends to one follower within a Ready are merged into one message (coalesceAppends).
 *
 * Not yet here: snapshots, membership changes, leadership transfer (the core lacks them).
 */
import { decodeCommand, encodeCommand } from "../kv/command.ts";
import type { KvOp, KvResult } from "../kv/ops.ts";
import { KvStore } from "../kv/store.ts";
import { RaftMessageSchema } from "../raft/message-schema.ts";
import type { Entry, HardState, Message, NodeId } from "../raft/messages.ts";
import { Raft } from "../raft/raft.ts";
import type { Ready } from "../raft/ready.ts";
import { jsonCodec } from "../transport/codec.ts";
import type { PeerAddress } from "../transport/peers.ts";
import { Transport } from "../transport/transport.ts";
import type { Entry as WalEntry } from "../wal/types.ts";
import { Wal } from "../wal/wal.ts";
import { AckGate, coalesceAppends, hardStateToSave, mayShipEarly } from "./pipeline.ts";

export interface RaftNodeOptions {
	readonly id: NodeId;
	/** Every voter's id, this node's included. */
	readonly voters: readonly NodeId[];
	readonly listen: { readonly host: string; readonly port: number };
	readonly dataDir: string;
	/** One core tick; elections take electionTicks..2*electionTicks of them. */
	readonly tickMs: number;
	readonly electionTicks: number;
	readonly heartbeatTicks: number;
	readonly random?: () => number;
	readonly log?: (line: string) => void;
}

export type Answer =
	| { readonly kind: "ok"; readonly result: KvResult }
	| { readonly kind: "notLeader"; readonly leader: NodeId };

interface Waiting {
	readonly client: number;
	readonly seq: number;
	readonly resolve: (answer: Answer) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RaftNode {
	readonly kv = new KvStore();
	readonly #proposals = new Map<number, Waiting>();
	readonly #reads = new Map<string, { key: string; resolve: (answer: Answer) => void }>();
	#readsWaitingApply: { index: number; key: string; resolve: (answer: Answer) => void }[] = [];
	#readCounter = 0;
	#busy = false;
	#scheduled = false;
	#closed = false;
	/** The last index this node's WAL holds durably (what the AckGate lets the core count). */
	#durableLast: number;
	/** The term and vote on disk: a leader ships early only if a Ready changes neither. */
	#durableHard: HardState;
	readonly #gate = new AckGate();
	readonly #timer: ReturnType<typeof setInterval>;

	private constructor(
		readonly id: NodeId,
		private readonly core: Raft,
		private readonly wal: Wal,
		private readonly transport: Transport<Message>,
		tickMs: number,
		private readonly log: (line: string) => void,
	) {
		this.#durableLast = core.log.lastIndex();
		this.#durableHard = core.hardState();
		this.#timer = setInterval(() => {
			this.core.tick();
			this.#pump();
		}, tickMs);
	}

	static async start(options: RaftNodeOptions): Promise<RaftNode> {
		const { wal, recovered } = await Wal.open(options.dataDir);
		const core = new Raft({
			id: options.id,
			peers: options.voters,
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
			},
		});
		const log = options.log ?? ((line: string) => console.error(line));
		let node: RaftNode | undefined;
		const transport = Transport.start<Message>({
			self: options.id,
			listen: options.listen,
			peers: new Map(),
			schema: RaftMessageSchema,
			// Raft messages are plain data: plain JSON, validated by the same schema.
			codec: jsonCodec,
			onMessage: (_from, message) => node?.receive(message),
		});
		node = new RaftNode(options.id, core, wal, transport, options.tickMs, log);
		return node;
	}

	get port(): number {
		return this.transport.port;
	}

	/** Where each peer listens (known once they all started). */
	connect(peers: ReadonlyMap<NodeId, PeerAddress>): void {
		for (const [id, address] of peers) if (id !== this.id) this.transport.setPeer(id, address);
	}

	status() {
		return {
			id: this.id,
			role: this.core.role,
			term: this.core.term,
			leader: this.core.lead,
			commit: this.core.log.committed,
			applied: this.kv.appliedIndex,
		};
	}

	/** A write through the log: resolves once applied here (or NotLeader at once). */
	propose(client: number, seq: number, op: Exclude<KvOp, { kind: "get" }>): Promise<Answer> {
		return new Promise((resolve) => {
			const answer = this.core.propose(encodeCommand({ client, seq, op }));
			if (!answer.ok) return resolve({ kind: "notLeader", leader: answer.leader });
			this.#proposals.set(answer.index, { client, seq, resolve });
			this.#schedule();
		});
	}

	/** A linearizable read (ReadIndex): served once this node applied the read index. */
	read(key: string): Promise<Answer> {
		return new Promise((resolve) => {
			const context = `${this.id}:${++this.#readCounter}`;
			const answer = this.core.readIndex(context);
			if (!answer.ok) return resolve({ kind: "notLeader", leader: answer.leader });
			this.#reads.set(context, { key, resolve });
			this.#schedule();
		});
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		clearInterval(this.#timer);
		this.transport.close();
		await this.wal.close();
	}

	/** A message from a peer (the transport validated it against the schema). */
	receive(message: Message): void {
		if (this.#closed) return;
		const leading = this.core.role === "leader";
		if (this.#gate.hold(message, this.#durableLast, leading, this.core.term)) return;
		this.core.step(message);
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

	/** One Ready at a time, in ready.ts's order; the next starts when this one is done. */
	#pump(): void {
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
		const durableBefore = Math.min(this.#durableLast, (ready.entries[0]?.index ?? Infinity) - 1);
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
		for (const entry of ready.committedEntries.slice(applied)) this.#apply(entry);
		this.#serveReads();
		this.core.advance(ready);
		const leading = this.core.role === "leader";
		for (const message of this.#gate.release(this.#durableLast, leading, this.core.term))
			this.core.step(message);
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

	#apply(entry: Entry): void {
		const waiting = this.#proposals.get(entry.index);
		this.#proposals.delete(entry.index);
		if (entry.data === "") {
			this.kv.skip(entry.index);
			// A new leader's no-op took the slot a proposal was waiting on.
			waiting?.resolve({ kind: "notLeader", leader: this.core.lead });
			return;
		}
		const command = decodeCommand(entry.data);
		const outcome = this.kv.apply(entry.index, command);
		if (waiting === undefined) return;
		if (
			waiting.client === command.client &&
			waiting.seq === command.seq &&
			outcome.kind !== "stale"
		)
			waiting.resolve({ kind: "ok", result: outcome.result });
		else waiting.resolve({ kind: "notLeader", leader: this.core.lead });
	}

	#serveReads(): void {
		const still: { index: number; key: string; resolve: (answer: Answer) => void }[] = [];
		for (const read of this.#readsWaitingApply) {
			if (read.index > this.kv.appliedIndex) still.push(read);
			else read.resolve({ kind: "ok", result: this.kv.read(read.key) });
		}
		this.#readsWaitingApply = still;
	}
}

function toWal(entry: Entry): WalEntry {
	return { index: entry.index, term: entry.term, data: encoder.encode(entry.data) };
}

function fromWal(entry: WalEntry): Entry {
	return { index: entry.index, term: entry.term, data: decoder.decode(entry.data) };
}
