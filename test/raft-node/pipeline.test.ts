/**
 * The member's pipelining pieces (cluster/raft-node/pipeline.ts): merged appends tell a
 * follower exactly what the separate ones would, and the AckGate never lets the core count
 * a follower's success past what the leader itself made durable.
 */
import { describe, expect, test } from "bun:test";
import type { Append, AppendResponse, Entry, Message } from "../../cluster/raft/messages.ts";
import { Raft } from "../../cluster/raft/raft.ts";
import {
	AckGate,
	coalesceAppends,
	hardStateToSave,
	mayShipEarly,
} from "../../cluster/raft-node/pipeline.ts";

const entry = (index: number, term = 2, data = `e${index}`): Entry => ({ index, term, data });
const app = (to: number, prevIndex: number, count: number, commit: number, term = 2): Append => ({
	type: "app",
	from: 1,
	to,
	term,
	prevIndex,
	prevTerm: prevIndex === 0 ? 0 : term,
	entries: Array.from({ length: count }, (_, i) => entry(prevIndex + 1 + i, term)),
	commit,
});
const ack = (from: number, index: number, reject = false, term = 2): AppendResponse => ({
	type: "appResp",
	from,
	to: 1,
	term,
	index,
	reject,
	hint: reject ? { kind: "short", lastIndex: 0 } : undefined,
});
const heartbeat = (to: number): Message => ({
	type: "heartbeat",
	from: 1,
	to,
	term: 2,
	commit: 0,
	context: 1,
});

describe("coalesceAppends", () => {
	test("back-to-back appends to a follower become one; other peers and messages keep order", () => {
		const messages: Message[] = [
			app(2, 10, 1, 9),
			app(3, 10, 1, 9),
			app(2, 11, 2, 10),
			app(3, 11, 2, 10),
			heartbeat(2),
			app(2, 13, 1, 11),
		];
		const out = coalesceAppends(messages);
		expect(out.map((m) => [m.type, m.to])).toEqual([
			["app", 2],
			["app", 3],
			["heartbeat", 2],
			["app", 2],
		]);
		const first = out[0] as Append;
		expect(first.prevIndex).toBe(10);
		expect(first.entries.map((e) => e.index)).toEqual([11, 12, 13]);
		expect(first.commit).toBe(10);
		// The heartbeat between them keeps the last append apart.
		expect((out[3] as Append).entries.map((e) => e.index)).toEqual([14]);
	});

	test("a gap, another term, or a full batch is not merged", () => {
		expect(coalesceAppends([app(2, 10, 1, 0), app(2, 12, 1, 0)])).toHaveLength(2);
		expect(coalesceAppends([app(2, 10, 1, 0, 2), app(2, 11, 1, 0, 3)])).toHaveLength(2);
		const limits = { maxEntries: 3, maxDataChars: 1000 };
		expect(coalesceAppends([app(2, 0, 2, 0), app(2, 2, 2, 0)], limits)).toHaveLength(2);
		const chars = { maxEntries: 100, maxDataChars: 5 };
		expect(coalesceAppends([app(2, 0, 2, 0), app(2, 2, 2, 0)], chars)).toHaveLength(2);
		expect(coalesceAppends([app(2, 0, 2, 0), app(2, 2, 0, 1)], chars)).toHaveLength(1);
	});

	test("a follower core answers a merged append as it answers the appends one by one", () => {
		const follower = () => {
			const core = new Raft({
				id: 2,
				peers: [1, 2, 3],
				electionTicks: 10,
				heartbeatTicks: 2,
				random: () => 0,
				preVote: true,
				checkQuorum: true,
				maxEntriesPerAppend: 256,
				maxInflight: 16,
			});
			return core;
		};
		const appends = [app(2, 0, 3, 1), app(2, 3, 2, 3), app(2, 5, 4, 5)];
		const separate = follower();
		for (const m of appends) separate.step(m);
		const merged = follower();
		const one = coalesceAppends(appends);
		expect(one).toHaveLength(1);
		merged.step(one[0] as Message);
		expect(merged.log.lastIndex()).toBe(separate.log.lastIndex());
		expect(merged.log.committed).toBe(separate.log.committed);
		expect(merged.log.slice(1, 10)).toEqual(separate.log.slice(1, 10));
		const answers = (core: Raft) =>
			core.ready().messages.filter((m): m is AppendResponse => m.type === "appResp");
		expect(answers(merged).map((m) => m.index)).toEqual([9]);
		expect(answers(separate).at(-1)?.index).toBe(9);
	});
});

describe("AckGate", () => {
	test("holds a success past the durable index, and everything after it from that follower", () => {
		const gate = new AckGate();
		expect(gate.hold(ack(2, 5), 5, true, 2)).toBe(false);
		expect(gate.hold(ack(2, 7), 5, true, 2)).toBe(true);
		expect(gate.hold(ack(2, 6, true), 5, true, 2)).toBe(true); // behind the held one
		expect(gate.hold(ack(3, 4), 5, true, 2)).toBe(false); // another follower, within
		expect(gate.heldCount).toBe(2);
		expect(gate.release(6, true, 2)).toEqual([]);
		expect(gate.release(7, true, 2)).toEqual([ack(2, 7), ack(2, 6, true)]);
		expect(gate.heldCount).toBe(0);
	});

	test("release keeps a later success that is still beyond, and what follows it", () => {
		const gate = new AckGate();
		gate.hold(ack(2, 7), 5, true, 2);
		gate.hold(ack(2, 9), 5, true, 2);
		const answer: Message = { type: "heartbeatResp", from: 2, to: 1, term: 2, context: 1 };
		expect(gate.hold(answer, 5, true, 2)).toBe(true);
		expect(gate.release(8, true, 2)).toEqual([ack(2, 7)]);
		expect(gate.heldCount).toBe(2);
		expect(gate.release(9, true, 2).map((m) => m.type)).toEqual(["appResp", "heartbeatResp"]);
	});

	test("nothing is held for a follower, for rejects or other terms; all goes once not leading", () => {
		const gate = new AckGate();
		expect(gate.hold(ack(2, 9), 5, false, 2)).toBe(false);
		expect(gate.hold(ack(2, 9, true), 5, true, 2)).toBe(false);
		expect(gate.hold(ack(2, 9, false, 1), 5, true, 2)).toBe(false);
		gate.hold(ack(2, 9), 5, true, 2);
		gate.hold(ack(3, 8), 5, true, 2);
		expect(gate.release(5, false, 2)).toHaveLength(2);
		expect(gate.heldCount).toBe(0);
	});

	test("a success held in an earlier term goes once the leader is in a new one", () => {
		const gate = new AckGate();
		gate.hold(ack(2, 9), 5, true, 2);
		const answer: Message = { type: "heartbeatResp", from: 2, to: 1, term: 4, context: 1 };
		gate.hold(answer, 5, true, 4);
		// Leading again in term 4 with a shorter durable log: the term-2 success must not
		// block the follower's term-4 answers until the log grows past 9.
		expect(gate.release(3, true, 4)).toEqual([ack(2, 9), answer]);
	});
});

describe("what a Ready writes and when its messages may leave", () => {
	const durable = { term: 3, vote: 1, commit: 10 };
	test("a change of commit alone, with no entries, writes nothing (no fsync of its own)", () => {
		expect(hardStateToSave(undefined, 0, durable)).toBeUndefined();
		expect(hardStateToSave({ ...durable, commit: 12 }, 0, durable)).toBeUndefined();
		expect(hardStateToSave({ ...durable, commit: 12 }, 2, durable)).toEqual({
			...durable,
			commit: 12,
		});
		expect(hardStateToSave({ term: 4, vote: 0, commit: 10 }, 0, durable)).toEqual({
			term: 4,
			vote: 0,
			commit: 10,
		});
		expect(hardStateToSave({ term: 3, vote: 2, commit: 10 }, 0, durable)?.vote).toBe(2);
	});

	test("only a leader whose Ready keeps term and vote ships early", () => {
		expect(mayShipEarly(true, undefined, durable)).toBe(true);
		expect(mayShipEarly(true, { ...durable, commit: 20 }, durable)).toBe(true);
		expect(mayShipEarly(true, { term: 4, vote: 1, commit: 10 }, durable)).toBe(false);
		expect(mayShipEarly(true, { term: 3, vote: 2, commit: 10 }, durable)).toBe(false);
		expect(mayShipEarly(false, undefined, durable)).toBe(false);
	});
});
