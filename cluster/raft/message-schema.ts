/**
 * The Raft messages as they cross the wire: one valibot schema per message type, so the
 * transport (cluster/transport/) delivers to the core only messages it could have sent.
 * Kept beside messages.ts: the compiler checks that what a schema lets through is a
 * Message, and test/raft/message-schema.test.ts that every message a running cluster of
 * cores sends passes.
 */
import * as v from "valibot";
import type { Message } from "./messages.ts";

const Count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const Node = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2 ** 31 - 1));
const Envelope = { from: Node, to: Node, term: Count };

const EntrySchema = v.strictObject({
	term: Count,
	index: v.pipe(Count, v.minValue(1)),
	data: v.string(),
});

/**
 * Bounds on a snapshot as it crosses the wire (in UTF-16 code units), so a bad peer cannot
 * announce a size that makes a follower assemble without limit: a chunk fits a transport
 * frame, a snapshot is at most 1 Gi, a configuration at most 1,000 members.
 */
export const MAX_SNAPSHOT_LENGTH = 2 ** 30;
export const MAX_CHUNK_LENGTH = 4 * 1024 * 1024;
const MAX_MEMBERS = 1_000;

const Members = v.pipe(v.array(Node), v.maxLength(MAX_MEMBERS), v.readonly());
const SnapshotMetaSchema = v.strictObject({
	index: v.pipe(Count, v.minValue(1)),
	term: v.pipe(Count, v.minValue(1)),
	config: v.strictObject({ voters: Members, learners: Members }),
});
const Length = v.pipe(Count, v.maxValue(MAX_SNAPSHOT_LENGTH));

const Hint = v.variant("kind", [
	v.strictObject({ kind: v.literal("conflict"), term: Count, firstIndex: Count }),
	v.strictObject({ kind: v.literal("short"), lastIndex: Count }),
]);

export const RaftMessageSchema = v.variant("type", [
	v.pipe(
		v.strictObject({
			...Envelope,
			type: v.picklist(["vote", "preVote"]),
			lastIndex: Count,
			lastTerm: Count,
			// Absent means an ordinary election (a sender from before leadership transfer).
			transfer: v.optional(v.boolean(), false),
		}),
		v.transform((m) => ({ ...m, transfer: m.transfer })),
	),
	v.strictObject({
		...Envelope,
		type: v.picklist(["voteResp", "preVoteResp"]),
		reject: v.boolean(),
	}),
	v.strictObject({
		...Envelope,
		type: v.literal("app"),
		prevIndex: Count,
		prevTerm: Count,
		entries: v.pipe(v.array(EntrySchema), v.readonly()),
		commit: Count,
	}),
	v.pipe(
		v.strictObject({
			...Envelope,
			type: v.literal("appResp"),
			index: Count,
			reject: v.boolean(),
			// Absent on the wire when there is none; the core reads the key either way.
			hint: v.optional(Hint),
		}),
		v.transform((m) => ({ ...m, hint: m.hint })),
	),
	v.strictObject({ ...Envelope, type: v.literal("heartbeat"), commit: Count, context: Count }),
	v.strictObject({ ...Envelope, type: v.literal("heartbeatResp"), context: Count }),
	v.pipe(
		v.strictObject({
			...Envelope,
			type: v.literal("snap"),
			meta: SnapshotMetaSchema,
			total: Length,
			offset: Length,
			data: v.pipe(v.string(), v.maxLength(MAX_CHUNK_LENGTH)),
			done: v.boolean(),
		}),
		v.check(
			(m) =>
				m.offset + m.data.length <= m.total && m.done === (m.offset + m.data.length === m.total),
			"a chunk must lie inside its snapshot and be marked done exactly when it ends it",
		),
	),
	v.strictObject({
		...Envelope,
		type: v.literal("snapResp"),
		index: v.pipe(Count, v.minValue(1)),
		offset: Length,
		reject: v.boolean(),
	}),
	v.strictObject({ ...Envelope, type: v.literal("timeoutNow") }),
]);

/** What the schema lets through is a Message: a mismatch with messages.ts fails the build. */
export function asMessage(parsed: v.InferOutput<typeof RaftMessageSchema>): Message {
	return parsed;
}
