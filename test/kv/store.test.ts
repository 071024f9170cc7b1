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
		kv.applyCommand(1, { client: 7, seq: 2, op: { kind: "put", key: "a", value: "new" } });
		expect(
			kv.applyCommand(2, { client: 7, seq: 1, op: { kind: "put", key: "a", value: "old" } }),
		).toEqual({
			kind: "stale",
		});
		expect(kv.read("a")).toEqual({ kind: "get", value: "new", revision: 1 });
	});

	test("commands round-trip through entries; anything else is refused", () => {
		const command = {
			client: 3,
			seq: 9,
			op: { kind: "cas", key: "k", expected: null, value: "v" },
		} as const;
		expect(decodeCommand(encodeCommand(command))).toEqual(command);
		expect(() => decodeCommand("not json")).toThrow(CommandError);
		expect(() => decodeCommand(JSON.stringify({ client: 3, seq: 0, op: command.op }))).toThrow(
			CommandError,
		);
		expect(() =>
			decodeCommand(JSON.stringify({ client: 3, seq: 1, op: { kind: "incr", key: "k" } })),
		).toThrow(CommandError);
	});
});
