/**
 * The replicated KV state machine: applies committed commands in log order. Each client's
 * last sequence number and result are kept (Raft thesis §6.3, state/session-table.ts), so a
 * retried write that reaches the log twice takes effect once, and its retry gets the first
 * answer. Sessions are registered through the log (session entries); they are bounded
 * (least recently used by log index expire first), and a write of a client whose session
 * expired is answered `session-expired`, not applied.
 * Implements raft/state-machine.ts: its snapshot holds the keys with their revisions and
 * the sessions.
 */
import type { StateMachine, StateSnapshot } from "../raft/state-machine.ts";
import { classifyEntry } from "../state/entry-encoding.ts";
import { decodeSessionRegistration, type SessionRegistered } from "../state/session-entry.ts";
import { type CommandOutcome, MAX_SESSIONS, SessionTable } from "../state/session-table.ts";
import { decodeCommand, type KvCommand } from "./command.ts";
import { applyToKey, EMPTY_KEY, type KeyState, type KvOp, type KvResult } from "./ops.ts";
import { decodeKvSnapshot, encodeKvSnapshot } from "./snapshot-codec.ts";

/**
 * Applied once, a duplicate (the first result), stale, or session-expired (a registered
 * session the table does not know, or a client-chosen one past seq 1: not applied; the
 * client must start a new session).
 */
export type ApplyOutcome = CommandOutcome<KvResult>;

export interface KvStoreOptions {
	/** At most this many client sessions (state/session-table.ts); MAX_SESSIONS by default. */
	readonly maxSessions?: number | undefined;
}

/** What applying one entry did: a no-op, a session registered, or a command with its outcome. */
export type KvApplied =
	| { readonly kind: "noop" }
	| SessionRegistered
	| { readonly kind: "command"; readonly command: KvCommand; readonly outcome: ApplyOutcome };

export class KvStore implements StateMachine<KvApplied> {
	private keys = new Map<string, KeyState>();
	private sessions: SessionTable<KvResult>;
	private readonly maxSessions: number;
	/** The last log index applied. */
	appliedIndex = 0;

	constructor(options: KvStoreOptions = {}) {
		this.maxSessions = options.maxSessions ?? MAX_SESSIONS;
		this.sessions = new SessionTable(this.maxSessions);
	}

	/**
	 * A committed log entry, whole: a KV command runs, a session entry registers a session,
	 * and anything else (a leader's no-op, a configuration change, another machine's entry)
	 * only takes its log slot here. A KV command that does not decode throws before the index
	 * moves.
	 */
	apply(index: number, data: string): KvApplied {
		const { kind, body } = classifyEntry(data);
		const registration = kind === "session" ? decodeSessionRegistration(body) : undefined;
		if (registration !== undefined) {
			this.advanceTo(index);
			return { kind: "session", nonce: registration.nonce, client: this.sessions.register(index) };
		}
		if (kind !== "kv") {
			// A session entry that does not decode registers nothing: its proposer, if any,
			// never hears a client id, and no replica knows one.
			this.skip(index);
			return { kind: "noop" };
		}
		const command = decodeCommand(body);
		return { kind: "command", command, outcome: this.applyCommand(index, command) };
	}

	applyCommand(index: number, command: KvCommand): ApplyOutcome {
		this.advanceTo(index);
		return this.sessions.run(command.client, command.seq, index, () => this.run(command.op));
	}

	/** How many client sessions the store keeps now (at most its bound). */
	get sessionCount(): number {
		return this.sessions.size;
	}

	/** An entry that is not a command (a leader's no-op) still moves the applied index. */
	skip(index: number): void {
		this.advanceTo(index);
	}

	/** A read outside the log (ReadIndex): no effect, no session. */
	read(key: string): KvResult {
		return applyToKey(this.keys.get(key) ?? EMPTY_KEY, { kind: "get", key }).result;
	}

	snapshot(): StateSnapshot {
		const data = encodeKvSnapshot({
			index: this.appliedIndex,
			keys: this.keys,
			sessions: new Map(this.sessions.entries()),
		});
		return { index: this.appliedIndex, data };
	}

	/** Decodes in full before touching anything: a bad snapshot leaves the store as it was. */
	restore(snapshot: StateSnapshot): void {
		const state = decodeKvSnapshot(snapshot.index, snapshot.data);
		const sessions = SessionTable.restore(state.sessions, this.maxSessions);
		this.keys = new Map(state.keys);
		this.sessions = sessions;
		this.appliedIndex = state.index;
	}

	private run(op: KvOp): KvResult {
		const { state, result } = applyToKey(this.keys.get(op.key) ?? EMPTY_KEY, op);
		this.keys.set(op.key, state);
		return result;
	}

	private advanceTo(index: number): void {
		if (index !== this.appliedIndex + 1) {
			throw new Error(`applying index ${index} after ${this.appliedIndex}: out of order`);
		}
		this.appliedIndex = index;
	}
}
