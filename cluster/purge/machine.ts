/**
 * The replicated purge state machine: every member (and every learner POP) applies the same
 * committed purges in log order, records each in a bounded history with its log index, and
 * hands it to an injected effect that purges that process's own edge cache. The effect is
 * local I/O outside the replicated state: the history is what snapshots carry and what is
 * compared, the effect is what makes a purge real on each node.
 *
 * Retries: a purge carries its client's session (client, seq). One still in the history is
 * a duplicate: recorded once, executed once, and its retry answered with the first index.
 * Beyond the history's reach (1,024 purges later by default) a retry would run again,
 * which is harmless: a purge is idempotent on the cache (dropping or marking stale what
 * matches twice ends the same), and at worst costs one extra miss for an object refilled in
 * between. That is why no per-client session table (which grows with every client ever
 * seen, as the KV store's does) is kept.
 *
 * Restarts: a member restarted from its snapshot re-applies the purges logged after it, so
 * its effect runs again for them; its L0 is memory and starts empty, so that drops only what
 * was refilled since start. `lastPurgeIndex` says how far it had executed.
 *
 * Snapshots: a node that installs a leader's snapshot skipped the entries it covers, so the
 * purges among them (those past its applied index) run through the effect on restore, in
 * order. If the snapshot's history no longer reaches back to that index, some purges are
 * gone for good: `onGap` is told, and a node drops its whole cache (the only safe answer).
 */
import type { PurgeRequest } from "../../edge/purge.ts";
import type { StateMachine, StateSnapshot } from "../raft/state-machine.ts";
import { decodePurgeCommand } from "./command.ts";
import { DEFAULT_PURGE_HISTORY, PurgeHistory, type PurgeRecord } from "./history.ts";
import { decodePurgeSnapshot, encodePurgeSnapshot } from "./snapshot-codec.ts";

/** Carries a committed purge out locally. Called once per purge applied (duplicates excluded). */
export type PurgeEffect = (purge: PurgeRequest, index: number) => void;

/** Purges after `afterIndex`, up to `throughIndex`, were missed and cannot be replayed. */
export type PurgeGap = (afterIndex: number, throughIndex: number) => void;

export interface PurgeMachineOptions {
	readonly effect?: PurgeEffect;
	readonly onGap?: PurgeGap;
	readonly historyLimit?: number;
}

/** What a client is told once its purge is applied. */
export interface PurgeResult {
	/** Where the purge was first applied (a duplicate names the first time). */
	readonly index: number;
	readonly duplicate: boolean;
}

export type PurgeApplied =
	| { readonly kind: "noop" }
	/** An entry that is not a purge command (a corrupt or foreign log): it only fills its index. */
	| { readonly kind: "rejected"; readonly message: string }
	| {
			readonly kind: "purged";
			readonly record: PurgeRecord;
			/** The effect threw: the purge is recorded (replicated state) but this node's cache may not be. */
			readonly effectError?: string;
	  }
	| { readonly kind: "duplicate"; readonly record: PurgeRecord };

export class PurgeMachine implements StateMachine<PurgeApplied> {
	readonly #history: PurgeHistory;
	readonly #effect: PurgeEffect;
	readonly #onGap: PurgeGap;
	appliedIndex = 0;

	constructor(options: PurgeMachineOptions = {}) {
		this.#history = new PurgeHistory(options.historyLimit ?? DEFAULT_PURGE_HISTORY);
		this.#effect = options.effect ?? (() => {});
		this.#onGap = options.onGap ?? (() => {});
	}

	/** `data` is a purge command (command.ts); the empty string is a no-op. */
	apply(index: number, data: string): PurgeApplied {
		this.#advanceTo(index);
		if (data === "") return { kind: "noop" };
		const decoded = decodePurgeCommand(data);
		if (!decoded.ok) return { kind: "rejected", message: decoded.message };
		const { client, seq, purge } = decoded.command;
		const first = this.#history.find(client, seq);
		if (first !== undefined) return { kind: "duplicate", record: first };
		const record: PurgeRecord = { index, client, seq, purge };
		this.#history.add(record);
		const effectError = this.#execute(record);
		return effectError === undefined
			? { kind: "purged", record }
			: { kind: "purged", record, effectError };
	}

	/** The purges remembered, oldest first. */
	recent(): readonly PurgeRecord[] {
		return this.#history.records();
	}

	/** The log index of the newest purge this node executed (0: none remembered). */
	get lastPurgeIndex(): number {
		return this.#history.lastIndex;
	}

	snapshot(): StateSnapshot {
		return {
			index: this.appliedIndex,
			data: encodePurgeSnapshot(this.appliedIndex, {
				forgottenThrough: this.#history.forgottenThrough,
				history: this.#history.records(),
			}),
		};
	}

	/**
	 * Decodes in full before touching anything; then runs the effect for the purges this node
	 * had not applied yet (past its applied index), and reports a gap the history cannot fill.
	 */
	restore(snapshot: StateSnapshot): void {
		const state = decodePurgeSnapshot(snapshot.index, snapshot.data);
		const before = this.appliedIndex;
		this.#history.replace(state.history, state.forgottenThrough);
		this.appliedIndex = snapshot.index;
		if (state.forgottenThrough > before) this.#onGap(before, state.forgottenThrough);
		for (const record of state.history) if (record.index > before) this.#execute(record);
	}

	/** Runs the effect; what it threw, as a message (the replicated state stands either way). */
	#execute(record: PurgeRecord): string | undefined {
		try {
			this.#effect(record.purge, record.index);
			return undefined;
		} catch (error) {
			return (error as Error).message;
		}
	}

	#advanceTo(index: number): void {
		if (index !== this.appliedIndex + 1)
			throw new Error(`applying index ${index} after ${this.appliedIndex}: out of order`);
		this.appliedIndex = index;
	}
}

/** A client's answer from what applying its entry did (undefined: not a purge of anyone's). */
export function purgeResult(applied: PurgeApplied): PurgeResult | undefined {
	if (applied.kind === "purged") return { index: applied.record.index, duplicate: false };
	if (applied.kind === "duplicate") return { index: applied.record.index, duplicate: true };
	return undefined;
}
