/**
 * The control plane's replicated state: the KV store, the purges and the POP configs, each
 * a state machine of its own (raft/state-machine.ts), behind one that a Raft driver applies
 * to. Each committed entry goes to the machine its tag names (entry-encoding.ts); the
 * others see the empty string at that index, a no-op that only moves their index, so all
 * three always stand at the same applied index and snapshot there together. A session
 * entry goes to both machines that keep sessions (the KV store and the POP configs).
 */
import type { KvApplied } from "../kv/store.ts";
import { KvStore } from "../kv/store.ts";
import { type PopConfigApplied, PopConfigMachine } from "../pop-config/machine.ts";
import { encodePopConfigSnapshot } from "../pop-config/snapshot-codec.ts";
import { type PurgeApplied, PurgeMachine, type PurgeMachineOptions } from "../purge/machine.ts";
import { encodePurgeSnapshot } from "../purge/snapshot-codec.ts";
import type { StateMachine, StateSnapshot } from "../raft/state-machine.ts";
import { classifyEntry } from "./entry-encoding.ts";
import type { SessionRegistered } from "./session-entry.ts";
import { decodeStateSnapshot, encodeStateSnapshot } from "./snapshot-codec.ts";

/** What applying one entry did, by the machine that took it. */
export type StateApplied =
	/** A leader's no-op or a configuration change: every machine only moved its index. */
	| { readonly kind: "noop" }
	| { readonly kind: "kv"; readonly applied: KvApplied }
	| { readonly kind: "purge"; readonly applied: PurgeApplied }
	| { readonly kind: "pop-config"; readonly applied: PopConfigApplied }
	/** A client session registered, in the KV store and the POP configs alike. */
	| SessionRegistered;

export interface ReplicatedStateOptions {
	/** The purge machine's effect (this node's edge cache) and gap report. */
	readonly purge?: PurgeMachineOptions;
}

export class ReplicatedState implements StateMachine<StateApplied> {
	readonly kv = new KvStore();
	readonly purges: PurgeMachine;
	readonly popConfig = new PopConfigMachine();

	constructor(options: ReplicatedStateOptions = {}) {
		this.purges = new PurgeMachine(options.purge);
	}

	get appliedIndex(): number {
		return this.kv.appliedIndex;
	}

	/**
	 * The owner goes first: a KV entry that does not decode throws before anything moved
	 * (as the KV store alone always did), leaving every machine where it was.
	 */
	apply(index: number, data: string): StateApplied {
		if (index !== this.appliedIndex + 1)
			throw new Error(`applying index ${index} after ${this.appliedIndex}: out of order`);
		const { kind, body } = classifyEntry(data);
		switch (kind) {
			case "kv": {
				const applied = this.kv.apply(index, body);
				this.purges.apply(index, "");
				this.popConfig.apply(index, "");
				return { kind: "kv", applied };
			}
			case "purge": {
				const applied = this.purges.apply(index, body);
				this.kv.apply(index, "");
				this.popConfig.apply(index, "");
				return { kind: "purge", applied };
			}
			case "pop-config": {
				const applied = this.popConfig.apply(index, body);
				this.kv.apply(index, "");
				this.purges.apply(index, "");
				return { kind: "pop-config", applied };
			}
			case "session": {
				// The KV store decodes it; one that does not decode registers nothing anywhere.
				const applied = this.kv.apply(index, data);
				if (applied.kind === "session") this.popConfig.registerSession(index);
				else this.popConfig.apply(index, "");
				this.purges.apply(index, "");
				return applied.kind === "session" ? applied : { kind: "noop" };
			}
			case "noop":
			case "conf":
				this.kv.apply(index, "");
				this.purges.apply(index, "");
				this.popConfig.apply(index, "");
				return { kind: "noop" };
		}
	}

	snapshot(): StateSnapshot {
		const index = this.appliedIndex;
		const data = encodeStateSnapshot(index, {
			kv: this.kv.snapshot().data,
			purge: this.purges.snapshot().data,
			popConfig: this.popConfig.snapshot().data,
		});
		return { index, data };
	}

	/**
	 * Every part is first restored into a spare machine, so a bad part throws SnapshotError
	 * before any of the three changed; then the real ones take it (purges run their effect for
	 * what this node had not applied, and POP watchers hear of changed documents).
	 */
	restore(snapshot: StateSnapshot): void {
		const { index } = snapshot;
		const parts = decodeStateSnapshot(index, snapshot.data);
		const kv = { index, data: parts.kv };
		const purge = {
			index,
			data: parts.purge ?? encodePurgeSnapshot(index, { forgottenThrough: 0, history: [] }),
		};
		const popConfig = {
			index,
			data:
				parts.popConfig ?? encodePopConfigSnapshot(index, { pops: new Map(), sessions: new Map() }),
		};
		new KvStore().restore(kv);
		new PurgeMachine().restore(purge);
		new PopConfigMachine().restore(popConfig);
		this.kv.restore(kv);
		this.purges.restore(purge);
		this.popConfig.restore(popConfig);
	}
}
