/**
 * What a member's snapshot data holds: the replicated state's snapshot (KV, purges and POP
 * configs: cluster/state/snapshot-codec.ts) and the addresses of the members. Snapshots
 * written before the state had more than KV name that part `kv`; they still read. The addresses came from configuration entries, which compaction drops; without
 * them here, a member restarted from a snapshot, or one that installed a leader's, could
 * not reach a node added before the snapshot's index. Decoded with valibot (a snapshot is
 * outside input: from disk or from a peer); a bad one is a SnapshotError.
 */
import * as v from "valibot";
import { RaftAddressSchema } from "../raft/membership.ts";
import type { NodeId } from "../raft/messages.ts";
import { SnapshotError } from "../raft/state-machine.ts";
import type { MemberAddress } from "./member-addresses.ts";

export interface MemberSnapshot {
	/** The replicated state's snapshot data (or, from an older member, a bare KV snapshot). */
	readonly state: string;
	readonly addresses: readonly (readonly [NodeId, MemberAddress])[];
}

const NodeIdSchema = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2 ** 31 - 1));

const Addresses = v.array(
	v.tuple([
		NodeIdSchema,
		v.strictObject({
			raft: RaftAddressSchema,
			api: v.optional(v.pipe(v.string(), v.maxLength(2048))),
		}),
	]),
);

const MemberSnapshotSchema = v.union([
	v.strictObject({ state: v.string(), addresses: Addresses }),
	v.strictObject({ kv: v.string(), addresses: Addresses }),
]);

export function encodeMemberSnapshot(snapshot: MemberSnapshot): string {
	return JSON.stringify({
		state: snapshot.state,
		addresses: snapshot.addresses.map(([id, { raft, api }]) => [
			id,
			api === undefined ? { raft } : { raft, api },
		]),
	});
}

export function decodeMemberSnapshot(data: string): MemberSnapshot {
	let raw: unknown;
	try {
		raw = JSON.parse(data);
	} catch {
		throw new SnapshotError("a member snapshot must be JSON");
	}
	const parsed = v.safeParse(MemberSnapshotSchema, raw);
	if (!parsed.success) {
		throw new SnapshotError(`a member snapshot: ${parsed.issues[0].message}`);
	}
	const { output } = parsed;
	return {
		state: "state" in output ? output.state : output.kv,
		addresses: output.addresses.map(([id, address]) => [
			id,
			{ raft: address.raft, api: address.api },
		]),
	};
}
