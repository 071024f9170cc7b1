/**
 * A hand-driven cluster of Raft cores for unit tests: messages go into one FIFO and are
 * delivered only when the test says so, through links the test can cut or filter. Ready
 * output is "persisted" at once (kept as the node's storage) and applied entries recorded.
 * A node's "state machine" is its list of applied entries: a snapshot's data is that list
 * as JSON, and installing one replaces the list.
 */
import type { Entry, HardState, Message, NodeId } from "../../cluster/raft/messages.ts";
import { Raft, type RaftConfig } from "../../cluster/raft/raft.ts";
import type { ReadState } from "../../cluster/raft/ready.ts";
import type { Snapshot } from "../../cluster/raft/snapshot.ts";

export type Options = Partial<Omit<RaftConfig, "id" | "peers" | "storage">> & {
	/** Per-node random() (default 0 for all: every timeout is exactly electionTicks). */
	readonly randomFor?: (id: NodeId) => number;
};

export interface Stored {
	readonly hardState: HardState;
	/** The entries after `snapshot` (from index 1 without one). */
	readonly entries: readonly Entry[];
	readonly snapshot?: Snapshot;
}

/** Entries with the given terms, from index 1. */
export function entriesOfTerms(terms: readonly number[]): Entry[] {
	return terms.map((term, i) => ({ term, index: i + 1, data: `e${i + 1}` }));
}

export class TestCluster {
	readonly nodes = new Map<NodeId, Raft>();
	readonly applied = new Map<NodeId, Entry[]>();
	readonly readStates = new Map<NodeId, ReadState[]>();
	readonly storage = new Map<NodeId, Stored>();
	/** Snapshots each node installed from a leader, in order. */
	readonly installed = new Map<NodeId, Snapshot[]>();
	/** Every message delivered, in order (for counting). */
	readonly delivered: Message[] = [];
	private queue: Message[] = [];
	private readonly cut = new Set<string>();
	private readonly down = new Set<NodeId>();
	/** Messages for which this returns false are dropped. */
	filter: (m: Message) => boolean = () => true;
	/** Voters, then learners. */
	readonly ids: NodeId[];
	readonly voters: NodeId[];

	constructor(
		size: number,
		private readonly options: Options = {},
		stored: ReadonlyMap<NodeId, Stored> = new Map(),
	) {
		this.voters = Array.from({ length: size }, (_, i) => i + 1);
		this.ids = [...this.voters, ...(options.learners ?? [])];
		for (const id of this.ids) {
			const s = stored.get(id);
			if (s) this.storage.set(id, s);
			this.start(id);
		}
	}

	/**
	 * Starts node `id` outside the founding configuration, as a server that is about to be
	 * added: it learns its configuration from the log.
	 */
	join(id: NodeId): void {
		this.ids.push(id);
		this.start(id);
	}

	node(id: NodeId): Raft {
		return this.nodes.get(id) as Raft;
	}

	private start(id: NodeId): void {
		const stored = this.storage.get(id);
		const config: RaftConfig = {
			id,
			peers: this.voters,
			electionTicks: 10,
			heartbeatTicks: 1,
			random: () => this.options.randomFor?.(id) ?? 0,
			preVote: true,
			checkQuorum: true,
			maxEntriesPerAppend: 64,
			maxInflight: 8,
			...this.options,
			...(stored ? { storage: stored } : {}),
		};
		this.nodes.set(id, new Raft(config));
		const snapshot = stored?.snapshot;
		this.applied.set(id, snapshot ? (JSON.parse(snapshot.data) as Entry[]) : []);
		if (!this.installed.has(id)) this.installed.set(id, []);
		this.readStates.set(id, []);
		this.collect(id);
	}

	/** Cuts both directions between a and b. */
	cutLink(a: NodeId, b: NodeId): void {
		this.cut.add(`${a}>${b}`);
		this.cut.add(`${b}>${a}`);
	}

	isolate(id: NodeId): void {
		for (const other of this.ids) if (other !== id) this.cutLink(id, other);
	}

	healAll(): void {
		this.cut.clear();
	}

	/** The node stops: its queued and future messages are lost, its storage kept. */
	crash(id: NodeId): void {
		this.down.add(id);
	}

	restart(id: NodeId): void {
		this.down.delete(id);
		this.start(id);
	}

	tick(id: NodeId, times = 1): void {
		for (let i = 0; i < times; i++) {
			if (this.down.has(id)) return;
			this.node(id).tick();
			this.collect(id);
		}
	}

	/** Ticks `id` until it campaigns (its election timeout, with random() = 0), then settles. */
	campaign(id: NodeId): void {
		const role = this.node(id).role;
		const term = this.node(id).term;
		const same = () => this.node(id).role === role && this.node(id).term === term;
		for (let i = 0; i < 100 && same(); i++) this.tick(id);
		this.settle();
	}

	propose(id: NodeId, data: string): void {
		const result = this.node(id).propose(data);
		if (!result.ok) throw new Error(`node ${id} refused the proposal`);
		this.collect(id);
	}

	/** Delivers queued messages (and what they cause) until none is left or `max` went. */
	settle(max = 10_000): void {
		let steps = 0;
		while (this.queue.length > 0 && steps++ < max) this.deliverOne();
	}

	/** Delivers the queued messages for which `pick` is true, leaving the others queued. */
	deliverWhere(pick: (m: Message) => boolean): void {
		const now = this.queue;
		this.queue = [];
		for (const m of now) {
			if (pick(m)) this.deliver(m);
			else this.queue.push(m);
		}
	}

	pending(): readonly Message[] {
		return this.queue;
	}

	private deliverOne(): void {
		this.deliver(this.queue.shift() as Message);
	}

	private deliver(m: Message): void {
		if (this.down.has(m.to) || this.down.has(m.from) || !this.nodes.has(m.to)) return;
		if (this.cut.has(`${m.from}>${m.to}`) || !this.filter(m)) return;
		this.delivered.push(m);
		this.node(m.to).step(m);
		this.collect(m.to);
	}

	/** Persists and takes a node's ready output. */
	collect(id: NodeId): void {
		const node = this.node(id);
		while (node.hasReady()) {
			const ready = node.ready();
			const old = this.storage.get(id) ?? { hardState: node.hardState(), entries: [] };
			// A leader's snapshot replaces the whole stored log (the core keeps a log that
			// agrees with it without handing it out).
			const snapshot = ready.snapshot ?? old.snapshot;
			const entries = ready.snapshot ? [] : [...old.entries];
			const first = ready.entries[0];
			if (first) {
				entries.length = first.index - (snapshot?.meta.index ?? 0) - 1;
				entries.push(...ready.entries);
			}
			this.storage.set(id, {
				hardState: ready.hardState ?? old.hardState,
				entries,
				...(snapshot ? { snapshot } : {}),
			});
			this.queue.push(...ready.messages);
			if (ready.snapshot) {
				this.applied.set(id, JSON.parse(ready.snapshot.data) as Entry[]);
				(this.installed.get(id) as Snapshot[]).push(ready.snapshot);
			}
			(this.applied.get(id) as Entry[]).push(...ready.committedEntries);
			(this.readStates.get(id) as ReadState[]).push(...ready.readStates);
			node.advance(ready);
		}
	}

	/**
	 * The node's state machine snapshots everything it applied (or up to `index`), and its
	 * log and storage are compacted to it.
	 */
	compact(id: NodeId, index = this.node(id).log.applied): Snapshot {
		const applied = (this.applied.get(id) as Entry[]).slice(0, index);
		const snapshot = this.node(id).compact(index, JSON.stringify(applied));
		const old = this.storage.get(id) as Stored;
		this.storage.set(id, {
			hardState: old.hardState,
			entries: old.entries.filter((e) => e.index > index),
			snapshot,
		});
		return snapshot;
	}

	leaders(): NodeId[] {
		return this.ids.filter((id) => !this.down.has(id) && this.node(id).role === "leader");
	}
}
