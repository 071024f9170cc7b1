/**
 * Where each member can be reached, as the log says: a configuration entry that adds a
 * node carries its Raft address (for the transport) and its API address (for NotLeader
 * answers and the member list). Pure: the member feeds it entries in log order (recovered
 * ones at start, then each Ready's before its messages go out) and applies what it returns.
 */

import { formatHostPort } from "../../edge/http/host-port.ts";
import {
	type ConfChange,
	decodeConfEntry,
	type MembershipConfig,
	type RaftAddress,
} from "../raft/membership.ts";
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

	/**
	 * Why `change` may not be made, if it adds a node at a Raft or API address another
	 * member of `config` has: two members at one address. The transport refuses the
	 * handshake of a node that is not the one dialled, so the new member would never be
	 * reached, and as a voter it would count toward every quorum without ever answering
	 * (with one founding voter: the add never commits, no later change is accepted, and the
	 * cluster is stuck for good). Undefined: no other member is known at those addresses.
	 */
	collision(change: ConfChange, config: MembershipConfig): string | undefined {
		if (change.kind !== "addLearner" && change.kind !== "addVoter") return undefined;
		const { raftAddress, apiAddress } = change;
		for (const id of [...config.voters, ...config.learners]) {
			if (id === change.id) continue;
			const known = this.#known.get(id);
			if (known === undefined) continue;
			if (known.raft.host === raftAddress.host && known.raft.port === raftAddress.port)
				return `node ${id} already has Raft address ${formatHostPort(raftAddress.host, raftAddress.port)}`;
			if (apiAddress !== undefined && known.api === apiAddress)
				return `node ${id} already has API address ${apiAddress}`;
		}
		return undefined;
	}

	/** Every address known, by node id (what a snapshot keeps once the entries are gone). */
	list(): [NodeId, MemberAddress][] {
		return [...this.#known].sort(([a], [b]) => a - b);
	}
}
