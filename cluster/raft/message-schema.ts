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
	v.strictObject({ ...Envelope, type: v.literal("timeoutNow") }),
]);

/** What the schema lets through is a Message: a mismatch with messages.ts fails the build. */
export function asMessage(parsed: v.InferOutput<typeof RaftMessageSchema>): Message {
	return parsed;
}
