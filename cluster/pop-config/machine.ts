/**
 * The replicated POP config state machine: one config document per POP name (the schema of
 * pops/NAME.yaml, cluster/node/pop-config.ts), set whole or deleted through the log, each
 * with a revision counting its changes. The API refuses an invalid document before it
 * reaches the log; the machine checks again (a log may come from another version) and
 * answers a document it cannot accept with a refused result, changing nothing.
 *
 * Exactly-once per client session, as the KV store (thesis §6.3, state/session-table.ts):
 * each client's last seq and result are kept, so a retried set that reached the log twice
 * does not overwrite a newer set by someone else. The sessions are bounded as the KV
 * store's: the least recently used (by log index) expire first, and a command of a client
 * whose session expired is answered `session-expired`, changing nothing.
 *
 * Watchers: `watch(name, callback)` hears every change of that POP's document (set, delete,
 * or a restored snapshot that differs), with the log index; a node watches its own POP.
 */
import { type PopConfig, validatePopConfig } from "../node/pop-config.ts";
import type { StateMachine, StateSnapshot } from "../raft/state-machine.ts";
import { type CommandOutcome, MAX_SESSIONS, SessionTable } from "../state/session-table.ts";
import { decodePopConfigCommand, type PopConfigCommand, type PopConfigOp } from "./command.ts";
import {
	decodePopConfigSnapshot,
	encodePopConfigSnapshot,
	type PopConfigResult,
	type PopEntry,
} from "./snapshot-codec.ts";

export type { PopConfigResult, PopEntry } from "./snapshot-codec.ts";

/** Applied once, a duplicate (the first result), stale, or session-expired (nothing changed). */
export type PopConfigOutcome = CommandOutcome<PopConfigResult>;

export interface PopConfigMachineOptions {
	/** At most this many client sessions (state/session-table.ts); MAX_SESSIONS by default. */
	readonly maxSessions?: number | undefined;
}

export type PopConfigApplied =
	| { readonly kind: "noop" }
	/** An entry that is not a POP config command (a corrupt or foreign log): it only fills its index. */
	| { readonly kind: "rejected"; readonly message: string }
	| {
			readonly kind: "command";
			readonly command: PopConfigCommand;
			readonly outcome: PopConfigOutcome;
	  };

export type PopConfigWatcher = (config: PopConfig | null, index: number) => void;

const ABSENT: PopEntry = { config: null, revision: 0 };

export class PopConfigMachine implements StateMachine<PopConfigApplied> {
	#pops = new Map<string, PopEntry>();
	#sessions: SessionTable<PopConfigResult>;
	readonly #maxSessions: number;
	readonly #watchers = new Map<string, Set<PopConfigWatcher>>();
	appliedIndex = 0;

	constructor(options: PopConfigMachineOptions = {}) {
		this.#maxSessions = options.maxSessions ?? MAX_SESSIONS;
		this.#sessions = new SessionTable(this.#maxSessions);
	}

	/** `data` is a POP config command (command.ts); the empty string is a no-op. */
	apply(index: number, data: string): PopConfigApplied {
		this.#advanceTo(index);
		if (data === "") return { kind: "noop" };
		const decoded = decodePopConfigCommand(data);
		if (!decoded.ok) return { kind: "rejected", message: decoded.message };
		const { command } = decoded;
		const outcome = this.#sessions.run(command.client, command.seq, index, () =>
			this.#run(command.op, index),
		);
		return { kind: "command", command, outcome };
	}

	/**
	 * The session registered by the entry at `index` (state/session-entry.ts; the router
	 * decodes it): recorded here as in the KV store, so a client's one session serves writes
	 * to either machine. Returns its client id.
	 */
	registerSession(index: number): number {
		this.#advanceTo(index);
		return this.#sessions.register(index);
	}

	/** A POP's document and revision (config null: never set, or deleted). Local state, no log. */
	get(name: string): PopEntry {
		return this.#pops.get(name) ?? ABSENT;
	}

	/** How many client sessions the machine keeps now (at most its bound). */
	get sessionCount(): number {
		return this.#sessions.size;
	}

	/** Hears every change of `name`'s document from now on; returns the way to stop. */
	watch(name: string, watcher: PopConfigWatcher): () => void {
		let set = this.#watchers.get(name);
		if (set === undefined) {
			set = new Set();
			this.#watchers.set(name, set);
		}
		set.add(watcher);
		return () => set.delete(watcher);
	}

	snapshot(): StateSnapshot {
		const data = encodePopConfigSnapshot(this.appliedIndex, {
			pops: this.#pops,
			sessions: new Map(this.#sessions.entries()),
		});
		return { index: this.appliedIndex, data };
	}

	/** Decodes in full before touching anything; watchers hear of documents that changed. */
	restore(snapshot: StateSnapshot): void {
		const state = decodePopConfigSnapshot(snapshot.index, snapshot.data);
		const sessions = SessionTable.restore(state.sessions, this.#maxSessions);
		const before = this.#pops;
		this.#pops = new Map(state.pops);
		this.#sessions = sessions;
		this.appliedIndex = snapshot.index;
		for (const name of this.#watchers.keys()) {
			const was = before.get(name)?.config ?? null;
			const now = this.get(name).config;
			if (JSON.stringify(was) !== JSON.stringify(now)) this.#notify(name, now, snapshot.index);
		}
	}

	#run(op: PopConfigOp, index: number): PopConfigResult {
		const current = this.get(op.name);
		if (op.kind === "delete") {
			if (current.config === null)
				return { kind: "delete", name: op.name, deleted: false, revision: current.revision };
			const revision = current.revision + 1;
			this.#pops.set(op.name, { config: null, revision });
			this.#notify(op.name, null, index);
			return { kind: "delete", name: op.name, deleted: true, revision };
		}
		let config: PopConfig;
		try {
			config = validatePopConfig(op.config, `POP ${op.name}'s config`);
		} catch (error) {
			return { kind: "refused", name: op.name, message: (error as Error).message };
		}
		if (config.name !== op.name)
			return {
				kind: "refused",
				name: op.name,
				message: `the document names POP ${config.name}, not ${op.name}`,
			};
		const revision = current.revision + 1;
		this.#pops.set(op.name, { config, revision });
		this.#notify(op.name, config, index);
		return { kind: "set", name: op.name, revision };
	}

	#notify(name: string, config: PopConfig | null, index: number): void {
		for (const watcher of this.#watchers.get(name) ?? []) watcher(config, index);
	}

	#advanceTo(index: number): void {
		if (index !== this.appliedIndex + 1)
			throw new Error(`applying index ${index} after ${this.appliedIndex}: out of order`);
		this.appliedIndex = index;
	}
}
