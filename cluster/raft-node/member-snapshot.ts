/**
 * What a member's snapshot data holds: the KV store's snapshot and the addresses of the
 * members. The addresses came from configuration entries, which compaction drops; without
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
	readonly kv: string;
	readonly addresses: readonly (readonly [NodeId, MemberAddress])[];
}

const NodeIdSchema = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2 ** 31 - 1));

const MemberSnapshotSchema = v.strictObject({
	kv: v.string(),
	addresses: v.array(
		v.tuple([
			NodeIdSchema,
			v.strictObject({
				raft: RaftAddressSchema,
				api: v.optional(v.pipe(v.string(), v.maxLength(2048))),
			}),
		]),
	),
});

export function encodeMemberSnapshot(snapshot: MemberSnapshot): string {
	return JSON.stringify({
		kv: snapshot.kv,
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
	return {
		kv: parsed.output.kv,
		addresses: parsed.output.addresses.map(([id, address]) => [
			id,
			{ raft: address.raft, api: address.api },
		]),
	};
}
