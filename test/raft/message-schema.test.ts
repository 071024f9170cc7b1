/**
 * The wire schema of Raft messages: every message a running cluster of cores sends passes
 * it unchanged (also through the transport's codec), and malformed ones are refused.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
	MAX_CHUNK_LENGTH,
	MAX_SNAPSHOT_LENGTH,
	RaftMessageSchema,
} from "../../cluster/raft/message-schema.ts";
import type { Message } from "../../cluster/raft/messages.ts";
import {
	decodePayload,
	encodePayload,
	jsonCodec,
	superjsonCodec,
} from "../../cluster/transport/codec.ts";
import { entriesOfTerms, TestCluster } from "./harness.ts";

/**
 * A cluster that elects, replicates, conflicts, reads and hands leadership over, so every
 * message type is sent.
 */
function chattyCluster(): Message[] {
	const stored = new Map([
		[1, { hardState: { term: 2, vote: 0, commit: 1 }, entries: entriesOfTerms([1, 2, 2]) }],
		[2, { hardState: { term: 1, vote: 0, commit: 1 }, entries: entriesOfTerms([1, 1]) }],
	]);
	const c = new TestCluster(3, { snapshotChunkSize: 8 }, stored);
	c.campaign(1);
	c.settle();
	for (let i = 0; i < 5; i++) c.propose(1, `op${i}`);
	c.settle();
	c.node(1).readIndex("read-1");
	c.tick(1);
	c.settle();
	// Node 3 misses writes the leader then compacts away: it gets the snapshot in chunks.
	c.crash(3);
	for (let i = 0; i < 5; i++) c.propose(1, `late${i}`);
	c.settle();
	c.compact(1);
	c.restart(3);
	c.tick(1);
	c.settle();
	c.node(1).transferLeadership(2);
	c.collect(1);
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
			"snap",
			"snapResp",
			"timeoutNow",
		])
			expect(types.has(type)).toBe(true);
		expect(messages.some((m) => m.type === "appResp" && m.reject && m.hint !== undefined)).toBe(
			true,
		);
		expect(messages.some((m) => m.type === "vote" && m.transfer)).toBe(true);
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
			{ type: "timeoutNow", from: 1, to: 2, term: 1, lastIndex: 3 },
			{ type: "timeoutNow", from: 1, to: 2 },
			{ type: "vote", from: 1, to: 2, term: 1, lastIndex: 0, lastTerm: 0, transfer: "yes" },
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

	test("a vote request without the transfer flag is an ordinary election", () => {
		const old = { type: "vote", from: 1, to: 2, term: 3, lastIndex: 4, lastTerm: 2 };
		expect(v.parse(RaftMessageSchema, old)).toEqual({ ...old, transfer: false } as Message);
	});
});

describe("Raft snapshot chunks on the wire", () => {
	const meta = { index: 9, term: 2, config: { voters: [1, 2, 3], learners: [] } };
	const chunk = {
		type: "snap",
		from: 1,
		to: 2,
		term: 2,
		meta,
		total: 10,
		offset: 0,
		data: "0123",
		done: false,
	};
	const passes = (m: unknown) => v.safeParse(RaftMessageSchema, m).success;

	test("a well-formed chunk and answer pass", () => {
		expect(passes(chunk)).toBe(true);
		expect(passes({ ...chunk, offset: 6, done: true })).toBe(true);
		expect(
			passes({ type: "snapResp", from: 2, to: 1, term: 2, index: 9, offset: 4, reject: true }),
		).toBe(true);
	});

	test("chunks outside their snapshot, or mislabelled as last, are refused", () => {
		expect(passes({ ...chunk, offset: 8 })).toBe(false); // 8 + 4 > 10
		expect(passes({ ...chunk, done: true })).toBe(false);
		expect(passes({ ...chunk, offset: 6, done: false })).toBe(false);
		expect(passes({ ...chunk, offset: -4 })).toBe(false);
	});

	test("absurd sizes are refused before anything is assembled", () => {
		expect(passes({ ...chunk, total: MAX_SNAPSHOT_LENGTH + 1 })).toBe(false);
		expect(passes({ ...chunk, total: Number.MAX_SAFE_INTEGER, offset: 2 ** 40 })).toBe(false);
		const huge = "x".repeat(MAX_CHUNK_LENGTH + 1);
		expect(passes({ ...chunk, total: huge.length, data: huge, done: true })).toBe(false);
		expect(passes({ ...chunk, meta: { ...meta, index: 0 } })).toBe(false);
		expect(passes({ ...chunk, meta: { ...meta, config: { voters: [0], learners: [] } } })).toBe(
			false,
		);
		const crowd = Array.from({ length: 1_001 }, (_, i) => i + 1);
		expect(passes({ ...chunk, meta: { ...meta, config: { voters: crowd, learners: [] } } })).toBe(
			false,
		);
	});
});
