/**
 * The wire schema of Raft messages: every message a running cluster of cores sends passes
 * it unchanged (also through the transport's codec), and malformed ones are refused.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { RaftMessageSchema } from "../../cluster/raft/message-schema.ts";
import type { Message } from "../../cluster/raft/messages.ts";
import {
	decodePayload,
	encodePayload,
	jsonCodec,
	superjsonCodec,
} from "../../cluster/transport/codec.ts";
import { entriesOfTerms, TestCluster } from "./harness.ts";

/** A cluster that elects, replicates, conflicts and reads, so every message type is sent. */
function chattyCluster(): Message[] {
	const stored = new Map([
		[1, { hardState: { term: 2, vote: 0, commit: 1 }, entries: entriesOfTerms([1, 2, 2]) }],
		[2, { hardState: { term: 1, vote: 0, commit: 1 }, entries: entriesOfTerms([1, 1]) }],
	]);
	const c = new TestCluster(3, {}, stored);
	c.campaign(1);
	c.settle();
	for (let i = 0; i < 5; i++) c.propose(1, `op${i}`);
	c.settle();
	c.node(1).readIndex("read-1");
	c.tick(1);
	c.settle();
	return c.delivered;
}

describe("Raft message schema", () => {
	const messages = chattyCluster();

	test("the cluster sent every message type", () => {
		const types = new Set<string>(messages.map((m) => m.type));
		for (const type of [
			"preVote",
			"preVoteResp",
			"vote",
			"voteResp",
			"app",
			"appResp",
			"heartbeat",
			"heartbeatResp",
		])
			expect(types.has(type)).toBe(true);
		expect(messages.some((m) => m.type === "appResp" && m.reject && m.hint !== undefined)).toBe(
			true,
		);
	});

	test("every message passes unchanged, directly and through the transport's codecs", () => {
		for (const message of messages) {
			const direct = v.safeParse(RaftMessageSchema, message);
			expect(direct.success).toBe(true);
			if (direct.success) expect(direct.output).toEqual(message);
			for (const codec of [superjsonCodec, jsonCodec]) {
				const decoded = decodePayload(encodePayload(message, codec), RaftMessageSchema, codec);
				expect(decoded).toEqual({ ok: true, value: message });
			}
		}
	});

	test("malformed messages are refused", () => {
		const bad: unknown[] = [
			{ type: "app", from: 1, to: 2, term: 1, prevIndex: 0, prevTerm: 0, entries: [], commit: -1 },
			{ type: "app", from: 1, to: 2, term: 1, prevIndex: 0, prevTerm: 0, commit: 0 },
			{ type: "vote", from: 0, to: 2, term: 1, lastIndex: 0, lastTerm: 0 },
			{ type: "vote", from: 1, to: 2, term: 1.5, lastIndex: 0, lastTerm: 0 },
			{ type: "heartbeat", from: 1, to: 2, term: 1, commit: 0, context: 0, extra: true },
			{ type: "appResp", from: 1, to: 2, term: 1, index: 0, reject: true, hint: { kind: "far" } },
			{ type: "snapshot", from: 1, to: 2, term: 1 },
			{
				type: "app",
				from: 1,
				to: 2,
				term: 1,
				prevIndex: 0,
				prevTerm: 0,
				entries: [{ term: 1, index: 0, data: "x" }],
				commit: 0,
			},
		];
		for (const message of bad) expect(v.safeParse(RaftMessageSchema, message).success).toBe(false);
	});
});
