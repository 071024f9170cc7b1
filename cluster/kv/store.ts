/**
 * The replicated KV state machine: applies committed commands in log order. Each client's
 * last sequence number and result are kept (Raft thesis §6.3), so a retried write that
 * reaches the log twice takes effect once, and its retry gets the first answer. Implements
 * raft/state-machine.ts: its snapshot holds the keys with their revisions and the sessions.
 */
import type { StateMachine, StateSnapshot } from "../raft/state-machine.ts";
import { decodeCommand, type KvCommand } from "./command.ts";
import { applyToKey, EMPTY_KEY, type KeyState, type KvOp, type KvResult } from "./ops.ts";
import { decodeKvSnapshot, encodeKvSnapshot, type KvSession } from "./snapshot-codec.ts";

export type ApplyOutcome =
	| { readonly kind: "applied"; readonly result: KvResult }
	/** The same (client, seq) again: not applied twice, the first result. */
	| { readonly kind: "duplicate"; readonly result: KvResult }
	/** An older seq than the client's last: the client gave up on it; ignored. */
	| { readonly kind: "stale" };

/** What applying one entry did: a no-op, or a command with its outcome. */
export type KvApplied =
	| { readonly kind: "noop" }
	| { readonly kind: "command"; readonly command: KvCommand; readonly outcome: ApplyOutcome };

export class KvStore implements StateMachine<KvApplied> {
	private keys = new Map<string, KeyState>();
	private sessions = new Map<number, KvSession>();
	/** The last log index applied. */
	appliedIndex = 0;

	/**
	 * A committed entry: the empty string only takes a log slot here (a leader's no-op, or
	 * an entry for another machine: cluster/state/router.ts hands those over as ""); anything
	 * else is a command.
	 */
	apply(index: number, data: string): KvApplied {
		if (data === "") {
			this.skip(index);
			return { kind: "noop" };
		}
		const command = decodeCommand(data);
		return { kind: "command", command, outcome: this.applyCommand(index, command) };
	}

	applyCommand(index: number, command: KvCommand): ApplyOutcome {
		this.advanceTo(index);
		const session = this.sessions.get(command.client);
		if (session !== undefined) {
			if (command.seq === session.seq) return { kind: "duplicate", result: session.result };
			if (command.seq < session.seq) return { kind: "stale" };
		}
		const result = this.run(command.op);
		this.sessions.set(command.client, { seq: command.seq, result });
		return { kind: "applied", result };
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
			sessions: this.sessions,
		});
		return { index: this.appliedIndex, data };
	}

	/** Decodes in full before touching anything: a bad snapshot leaves the store as it was. */
	restore(snapshot: StateSnapshot): void {
		const state = decodeKvSnapshot(snapshot.index, snapshot.data);
		this.keys = new Map(state.keys);
		this.sessions = new Map(state.sessions);
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
