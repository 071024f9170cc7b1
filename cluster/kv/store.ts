/**
 * The replicated KV state machine: applies committed commands in log order. Each client's
 * last sequence number and result are kept (Raft thesis §6.3), so a retried write that
 * reaches the log twice takes effect once, and its retry gets the first answer.
 */
import type { KvCommand } from "./command.ts";
import { applyToKey, EMPTY_KEY, type KeyState, type KvOp, type KvResult } from "./ops.ts";

export type ApplyOutcome =
	| { readonly kind: "applied"; readonly result: KvResult }
	/** The same (client, seq) again: not applied twice, the first result. */
	| { readonly kind: "duplicate"; readonly result: KvResult }
	/** An older seq than the client's last: the client gave up on it; ignored. */
	| { readonly kind: "stale" };

interface Session {
	readonly seq: number;
	readonly result: KvResult;
}

export class KvStore {
	private readonly keys = new Map<string, KeyState>();
	private readonly sessions = new Map<number, Session>();
	/** The last log index applied. */
	appliedIndex = 0;

	apply(index: number, command: KvCommand): ApplyOutcome {
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
