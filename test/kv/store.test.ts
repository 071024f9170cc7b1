import { describe, expect, test } from "bun:test";
import { CommandError, decodeCommand, encodeCommand } from "../../cluster/kv/command.ts";
import { applyToKey, EMPTY_KEY } from "../../cluster/kv/ops.ts";
import { KvStore } from "../../cluster/kv/store.ts";

describe("KV model", () => {
	test("each write that changes the key bumps its revision; misses and reads do not", () => {
		let state = EMPTY_KEY;
		const step = (op: Parameters<typeof applyToKey>[1]) => {
			const out = applyToKey(state, op);
			state = out.state;
			return out.result;
		};
		expect(step({ kind: "delete", key: "a" })).toEqual({
			kind: "delete",
			deleted: false,
			revision: 0,
		});
		expect(step({ kind: "put", key: "a", value: "x" })).toEqual({ kind: "put", revision: 1 });
		expect(step({ kind: "cas", key: "a", expected: "nope", value: "y" })).toEqual({
			kind: "cas",
			ok: false,
			value: "x",
			revision: 1,
		});
		expect(step({ kind: "cas", key: "a", expected: "x", value: "y" })).toEqual({
			kind: "cas",
			ok: true,
			value: "y",
			revision: 2,
		});
		expect(step({ kind: "get", key: "a" })).toEqual({ kind: "get", value: "y", revision: 2 });
		expect(step({ kind: "delete", key: "a" })).toEqual({
			kind: "delete",
			deleted: true,
			revision: 3,
		});
		expect(step({ kind: "cas", key: "a", expected: null, value: "z" })).toMatchObject({
			ok: true,
			revision: 4,
		});
	});
});

describe("KvStore", () => {
	test("applies in log order and refuses a gap", () => {
		const kv = new KvStore();
		kv.skip(1);
		kv.applyCommand(2, { client: 1, seq: 1, op: { kind: "put", key: "a", value: "x" } });
		expect(kv.read("a")).toEqual({ kind: "get", value: "x", revision: 1 });
		expect(() => kv.skip(4)).toThrow("out of order");
	});

	test("a retried write applies once and its retry gets the first result", () => {
		const kv = new KvStore();
		const put = { client: 7, seq: 1, op: { kind: "put", key: "a", value: "x" } } as const;
		expect(kv.applyCommand(1, put)).toEqual({
			kind: "applied",
			result: { kind: "put", revision: 1 },
		});
		expect(kv.applyCommand(2, put)).toEqual({
			kind: "duplicate",
			result: { kind: "put", revision: 1 },
		});
		expect(kv.read("a").revision).toBe(1);
	});

	test("an abandoned older request that arrives after a newer one is ignored", () => {
		const kv = new KvStore();
		kv.applyCommand(1, { client: 7, seq: 1, op: { kind: "put", key: "b", value: "first" } });
		kv.applyCommand(2, { client: 7, seq: 3, op: { kind: "put", key: "a", value: "new" } });
		expect(
			kv.applyCommand(3, { client: 7, seq: 2, op: { kind: "put", key: "a", value: "old" } }),
		).toEqual({
			kind: "stale",
		});
		expect(kv.read("a")).toEqual({ kind: "get", value: "new", revision: 1 });
	});

	test("a client the store does not know, past seq 1, is session-expired and nothing applies", () => {
		const kv = new KvStore();
		const write = (seq: number, value: string) =>
			({ client: 7, seq, op: { kind: "put", key: "a", value } }) as const;
		expect(kv.applyCommand(1, write(2, "two"))).toEqual({ kind: "session-expired" });
		// Its retry hears the same; the seq-1 write it abandoned, arriving late, is stale.
		expect(kv.applyCommand(2, write(2, "two"))).toEqual({ kind: "session-expired" });
		expect(kv.applyCommand(3, write(1, "one"))).toEqual({ kind: "stale" });
		expect(kv.read("a")).toEqual({ kind: "get", value: null, revision: 0 });
		// A new session starts at seq 1.
		expect(
			kv.applyCommand(4, { client: 8, seq: 1, op: { kind: "put", key: "a", value: "x" } }),
		).toEqual({ kind: "applied", result: { kind: "put", revision: 1 } });
	});

	test("beyond maxSessions the session used least recently expires; its client must start again", () => {
		const kv = new KvStore({ maxSessions: 2 });
		const put = (client: number, seq: number) =>
			({ client, seq, op: { kind: "put", key: "k", value: `${client}.${seq}` } }) as const;
		kv.applyCommand(1, put(1, 1));
		kv.applyCommand(2, put(2, 1));
		kv.applyCommand(3, put(1, 2)); // client 1 used again: client 2 is now the oldest
		kv.applyCommand(4, put(3, 1)); // a third session: client 2's expires
		expect(kv.sessionCount).toBe(2);
		expect(kv.applyCommand(5, put(1, 2)).kind).toBe("duplicate");
		expect(kv.applyCommand(6, put(2, 2))).toEqual({ kind: "session-expired" });
		expect(kv.read("k")).toEqual({ kind: "get", value: "3.1", revision: 4 });
	});

	test("commands round-trip through entries; anything else is refused", () => {
		const command = {
			client: 3,
			seq: 9,
			op: { kind: "cas", key: "k", expected: null, value: "v" },
		} as const;
		expect(decodeCommand(encodeCommand(command))).toEqual(command);
		expect(() => decodeCommand("not json")).toThrow(CommandError);
		// seq 0 is a write without a session; below it, or a client id of 0, is nothing.
		expect(decodeCommand(JSON.stringify({ client: 3, seq: 0, op: command.op })).seq).toBe(0);
		for (const [client, seq] of [
			[3, -1],
			[0, 1],
			[3, 1.5],
		])
			expect(() => decodeCommand(JSON.stringify({ client, seq, op: command.op }))).toThrow(
				CommandError,
			);
		expect(() =>
			decodeCommand(JSON.stringify({ client: 3, seq: 1, op: { kind: "incr", key: "k" } })),
		).toThrow(CommandError);
	});
});
