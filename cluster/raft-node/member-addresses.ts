/**
 * Where each member can be reached, as the log says: a configuration entry that adds a
 * node carries its Raft address (for the transport) and its API address (for NotLeader
 * answers and the member list). Pure: the member feeds it entries in log order (recovered
 * ones at start, then each Ready's before its messages go out) and applies what it returns.
 */
import { decodeConfEntry, type RaftAddress } from "../raft/membership.ts";
import type { Entry, NodeId } from "../raft/messages.ts";

export interface MemberAddress {
	readonly raft: RaftAddress;
	readonly api: string | undefined;
}

export class MemberAddresses {
	readonly #known = new Map<NodeId, MemberAddress>();

	/** Addresses the founding members were configured with. */
	constructor(initial: ReadonlyMap<NodeId, MemberAddress> = new Map()) {
		for (const [id, address] of initial) this.#known.set(id, address);
	}

	/**
	 * Records the addresses in `entries`; returns the nodes whose Raft address is new or
	 * changed, for the transport. An address stays known after its node is removed: an
	 * uncommitted removal may be truncated, and a re-added node names its address again.
	 */
	learn(entries: readonly Entry[]): Map<NodeId, RaftAddress> {
		const changed = new Map<NodeId, RaftAddress>();
		for (const entry of entries) {
			const change = decodeConfEntry(entry.data)?.change;
			if (change === undefined) continue;
			if (change.kind !== "addLearner" && change.kind !== "addVoter") continue;
			const known = this.#known.get(change.id);
			this.#known.set(change.id, {
				raft: change.raftAddress,
				api: change.apiAddress ?? known?.api,
			});
			if (
				known?.raft.host !== change.raftAddress.host ||
				known.raft.port !== change.raftAddress.port
			) {
				changed.set(change.id, change.raftAddress);
			}
		}
		return changed;
	}

	/** Addresses given out of band (a config file, or ports known once bound). */
	set(id: NodeId, address: MemberAddress): void {
		this.#known.set(id, address);
	}

	get(id: NodeId): MemberAddress | undefined {
		return this.#known.get(id);
	}

	/** Every address known, by node id (what a snapshot keeps once the entries are gone). */
	list(): [NodeId, MemberAddress][] {
		return [...this.#known].sort(([a], [b]) => a - b);
	}
}
