/**
 * Entries of every size reach every member: a write whose entry could never fit one
 * transport frame is refused before the log (413), and a follower that was away while
 * megabytes of writes went in catches up in appends bounded by size (raft/append-budget.ts)
 * instead of one append by count that its leader's transport drops at every resend.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as v from "valibot";
import { ErrorAnswer, WriteAnswer } from "../../cluster/kv/http-api.ts";
import { createKvApp } from "../../cluster/kv/http-app.ts";
import type { RaftNode } from "../../cluster/raft-node/raft-node.ts";
import { MAX_ENTRY_CHARS } from "../../cluster/state/entry-encoding.ts";
import { jsonCodec } from "../../cluster/transport/codec.ts";
import { TransportLimitsSchema } from "../../cluster/transport/limits.ts";
import { InProcessMembers, until } from "./in-process-members.ts";

const members = new InProcessMembers("entry-size");

beforeAll(async () => {
	for (const id of [1, 2, 3]) await members.start(id);
	members.connectAll();
	await until("a leader", () => members.leader());
});

afterAll(() => members.closeAll());

async function put(node: RaftNode, key: string, value: string): Promise<Response> {
	return await createKvApp(node, new Map()).fetch(
		new Request(`http://member/v1/kv/${key}`, {
			method: "PUT",
			body: JSON.stringify({ value }),
			// An old member never answered this write: fail rather than wait on it.
			signal: AbortSignal.timeout(5000),
		}),
	);
}

const leader = () => members.leader() as RaftNode;

describe("entry size", () => {
	test("the largest entry, sent alone in an append, fits the default frame", () => {
		// Entries are JSON text; "€" is the widest code unit on the wire (3 bytes of UTF-8).
		const entry = { index: 2 ** 40, term: 2 ** 30, data: "€".repeat(MAX_ENTRY_CHARS) };
		const append = { type: "app", from: 1, to: 2, term: 2 ** 30, prevIndex: 2 ** 40 };
		const frame = jsonCodec.encode({ ...append, prevTerm: 1, entries: [entry], commit: 1 });
		const { maxFrameBytes } = v.parse(TransportLimitsSchema, {});
		expect(frame.byteLength).toBeLessThan(maxFrameBytes);
	});

	test("a value whose entry is too large is a 413 and never reaches the log", async () => {
		const before = leader().status();
		// 2^20 characters (the value limit), each JSON-escaped to six: a 6 MiB entry.
		const response = await put(leader(), "wide", "\u0001".repeat(1 << 20));
		expect(response.status).toBe(413);
		const body = v.parse(ErrorAnswer, await response.json());
		expect(body.error).toBe("too-large");
		expect(body.message).toContain(String(MAX_ENTRY_CHARS));
		expect(leader().status().commit).toBe(before.commit);
		// The log goes on: the next write commits on a quorum.
		const next = await put(leader(), "after", "small");
		expect(next.status).toBe(200);
		v.parse(WriteAnswer, await next.json());
	});

	test("a follower away during 6 MB of writes catches up", async () => {
		const follower = [...members.nodes.values()].find((n) => n.status().role === "follower");
		if (follower === undefined) throw new Error("no follower");
		const { id, port } = follower;
		await follower.close();
		const value = "x".repeat(200_000);
		const writes = Array.from({ length: 30 }, (_, i) => put(leader(), `k${i}`, value));
		for (const response of await Promise.all(writes)) expect(response.status).toBe(200);
		const target = leader().status().commit;
		await members.start(id, port);
		members.connectAll();
		const back = members.nodes.get(id) as RaftNode;
		await until(`member ${id} to apply ${target}`, () =>
			back.status().applied >= target ? true : undefined,
		);
	});
});
