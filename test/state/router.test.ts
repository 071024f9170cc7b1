import { describe, expect, test } from "bun:test";
import { encodeCommand } from "../../cluster/kv/command.ts";
import { KvStore } from "../../cluster/kv/store.ts";
import { encodeConfEntry } from "../../cluster/raft/membership.ts";
import { SnapshotError } from "../../cluster/raft/state-machine.ts";
import {
	classifyEntry,
	ENTRY_KINDS,
	encodePopConfigEntry,
	encodePurgeEntry,
	encodeSessionEntry,
	entrySession,
	SESSION_PREFIX,
} from "../../cluster/state/entry-encoding.ts";
import { ReplicatedState } from "../../cluster/state/router.ts";
import { PROTOCOL_VERSION } from "../../cluster/transport/handshake.ts";
import type { PurgeRequest } from "../../edge/purge.ts";
import { fra1 } from "../pop-config/fixtures.ts";

const put = (client: number, key: string, value: string) =>
	encodeCommand({ client, seq: 1, op: { kind: "put", key, value } });
const conf = encodeConfEntry({
	change: { kind: "addLearner", id: 4, raftAddress: { host: "127.0.0.1", port: 7004 } },
	config: { voters: [1, 2, 3], learners: [4] },
});

function withEffects() {
	const purged: [PurgeRequest, number][] = [];
	const state = new ReplicatedState({ purge: { effect: (p, i) => purged.push([p, i]) } });
	return { state, purged };
}

/** One entry of every kind, in log order from index 1. */
const mixedLog = [
	"",
	put(1, "k", "v"),
	encodePurgeEntry({ client: 2, seq: 1, purge: { url: "http://cdn.test/a" } }),
	conf,
	encodePopConfigEntry({ client: 3, seq: 1, op: { kind: "set", name: "fra1", config: fra1 } }),
	put(4, "k", "w"),
	encodeSessionEntry({ nonce: 5 }),
];

describe("entry encoding", () => {
	test("each kind is told apart by its tag; KV commands keep their untagged JSON", () => {
		expect(mixedLog.map((data) => classifyEntry(data).kind)).toEqual([
			"noop",
			"kv",
			"purge",
			"conf",
			"pop-config",
			"kv",
			"session",
		]);
		expect(classifyEntry(put(1, "k", "v")).body).toBe(put(1, "k", "v"));
		expect(classifyEntry(mixedLog[2] as string).body.startsWith('{"client":2,"seq":1,')).toBe(true);
		expect(new Set(mixedLog.map((data) => classifyEntry(data).kind))).toEqual(new Set(ENTRY_KINDS));
	});

	test("the entry kinds are pinned to the transport's protocol version", () => {
		// A member stops at an entry of a kind it does not know: an unknown tag reads as a KV
		// command that does not decode (below). Members of two versions must therefore never
		// replicate to each other, which the handshake's version check sees to. A new kind
		// bumps PROTOCOL_VERSION (cluster/transport/handshake.ts), and then this line.
		expect({ version: PROTOCOL_VERSION, kinds: [...ENTRY_KINDS] }).toEqual({
			version: 4,
			kinds: ["noop", "conf", "purge", "pop-config", "session", "kv"],
		});
		const { state } = withEffects();
		expect(() => state.apply(1, '\u0000later-kind:{"client":1,"seq":1}')).toThrow();
		expect(state.appliedIndex).toBe(0);
	});

	test("every command's session is read from its front; no-ops and configuration have none", () => {
		expect(mixedLog.map(entrySession)).toEqual([
			undefined,
			{ client: 1, seq: 1 },
			{ client: 2, seq: 1 },
			undefined,
			{ client: 3, seq: 1 },
			{ client: 4, seq: 1 },
			// A registration's nonce, seq 0: only its proposer looks for it.
			{ client: 5, seq: 0 },
		]);
		expect(entrySession("\u0000purge:garbage")).toBeUndefined();
	});
});

describe("replicated state router", () => {
	test("each entry goes to its machine; all three stay at the same index", () => {
		const { state, purged } = withEffects();
		const kinds = mixedLog.map((data, i) => state.apply(i + 1, data).kind);
		expect(kinds).toEqual(["noop", "kv", "purge", "noop", "pop-config", "kv", "session"]);
		expect(state.kv.read("k")).toEqual({ kind: "get", value: "w", revision: 2 });
		expect(purged).toEqual([[{ url: "http://cdn.test/a" }, 3]]);
		expect(state.popConfig.get("fra1").revision).toBe(1);
		for (const machine of [state.kv, state.purges, state.popConfig])
			expect(machine.appliedIndex).toBe(7);
	});

	test("a session entry registers one session, in the KV store and the POP configs alike", () => {
		const { state } = withEffects();
		const registered = state.apply(1, encodeSessionEntry({ nonce: 42 }));
		expect(registered).toEqual({ kind: "session", nonce: 42, client: 2 ** 48 + 1 });
		const client = 2 ** 48 + 1;
		const kvWrite = encodeCommand({ client, seq: 1, op: { kind: "put", key: "k", value: "v" } });
		expect(state.apply(2, kvWrite)).toMatchObject({
			applied: { outcome: { kind: "applied" } },
		});
		const popWrite = encodePopConfigEntry({ client, seq: 2, op: { kind: "delete", name: "fra1" } });
		expect(state.apply(3, popWrite)).toMatchObject({
			applied: { outcome: { kind: "applied" } },
		});
		// An id no entry handed out is refused by both, at seq 1 too.
		const unknown = 2 ** 48 + 99;
		const strayKv = encodeCommand({ client: unknown, seq: 1, op: { kind: "delete", key: "k" } });
		expect(state.apply(4, strayKv)).toMatchObject({
			applied: { outcome: { kind: "session-expired" } },
		});
		const strayPop = encodePopConfigEntry({
			client: unknown,
			seq: 1,
			op: { kind: "delete", name: "fra1" },
		});
		expect(state.apply(5, strayPop)).toMatchObject({
			applied: { outcome: { kind: "session-expired" } },
		});
		expect(state.kv.read("k")).toMatchObject({ value: "v" });
	});

	test("a session entry that does not decode registers nothing, anywhere, and moves every index", () => {
		const { state } = withEffects();
		for (const [i, body] of [
			'{"client":1,"seq":1,"op":"register"}',
			"[",
			'{"client":0,"seq":0,"op":"register"}',
		].entries())
			expect(state.apply(i + 1, SESSION_PREFIX + body)).toEqual({ kind: "noop" });
		expect(state.kv.sessionCount).toBe(0);
		expect(state.popConfig.sessionCount).toBe(0);
		for (const machine of [state.kv, state.purges, state.popConfig])
			expect(machine.appliedIndex).toBe(3);
	});

	test("the KV part of its snapshot equals a KV store's fed the same log", () => {
		const { state } = withEffects();
		const kv = new KvStore();
		mixedLog.forEach((data, i) => {
			state.apply(i + 1, data);
			kv.apply(i + 1, data);
		});
		expect(state.kv.snapshot()).toEqual(kv.snapshot());
	});

	test("a KV entry that does not decode throws before any machine moved", () => {
		const { state } = withEffects();
		expect(() => state.apply(1, "{not a command")).toThrow();
		for (const machine of [state, state.kv, state.purges, state.popConfig])
			expect(machine.appliedIndex).toBe(0);
		expect(() => state.apply(3, "")).toThrow(/out of order/);
	});

	test("a bad purge or POP config entry is a rejected result, never a crash", () => {
		const { state, purged } = withEffects();
		expect(state.apply(1, "\u0000purge:{}")).toMatchObject({
			kind: "purge",
			applied: { kind: "rejected" },
		});
		expect(state.apply(2, "\u0000pop:[")).toMatchObject({
			kind: "pop-config",
			applied: { kind: "rejected" },
		});
		expect(purged).toEqual([]);
		expect(state.appliedIndex).toBe(2);
	});

	test("one snapshot holds all three; a fresh router restored from it snapshots the same", () => {
		const { state } = withEffects();
		for (const [i, data] of mixedLog.entries()) state.apply(i + 1, data);
		const snapshot = state.snapshot();
		const copy = withEffects();
		copy.state.restore(snapshot);
		expect(copy.state.snapshot()).toEqual(snapshot);
		expect(copy.state.kv.read("k")).toEqual({ kind: "get", value: "w", revision: 2 });
		expect(copy.state.popConfig.get("fra1").config?.region).toBe("eu-central");
		// The restored node had applied nothing: the purge in the history runs on its cache.
		expect(copy.purged).toEqual([[{ url: "http://cdn.test/a" }, 3]]);
	});

	test("a bare KV snapshot (written before the router) restores, with empty purges and POP configs", () => {
		const kv = new KvStore();
		kv.apply(1, put(1, "old", "yes"));
		const { state } = withEffects();
		state.restore(kv.snapshot());
		expect(state.kv.read("old")).toEqual({ kind: "get", value: "yes", revision: 1 });
		expect(state.purges.recent()).toEqual([]);
		expect(state.appliedIndex).toBe(1);
		state.apply(2, encodePurgeEntry({ client: 1, seq: 1, purge: { tag: "t" } }));
		expect(state.purges.appliedIndex).toBe(2);
	});

	test.each([
		["not JSON", (_good: string) => "{"],
		["truncated", (good: string) => good.slice(0, good.length / 2)],
		["missing a part", (good: string) => JSON.stringify({ ...JSON.parse(good), purge: undefined })],
		["another index", (good: string) => good.replace('"index":7', '"index":8')],
		[
			"a corrupt purge part",
			(good: string) => {
				const parsed = JSON.parse(good);
				return JSON.stringify({ ...parsed, purge: parsed.purge.slice(0, 20) });
			},
		],
		[
			"a corrupt POP config part",
			(good: string) => {
				const parsed = JSON.parse(good);
				return JSON.stringify({ ...parsed, popConfig: parsed.popConfig.replace("256", '"x"') });
			},
		],
	])("a snapshot that is %s is refused and changes none of the three", (_name, corrupt) => {
		const source = withEffects();
		for (const [i, data] of mixedLog.entries()) source.state.apply(i + 1, data);
		const good = source.state.snapshot().data;
		const data = corrupt(good);
		expect(data).not.toBe(good);
		const target = withEffects();
		target.state.apply(1, put(9, "mine", "kept"));
		const before = target.state.snapshot();
		expect(() => target.state.restore({ index: 6, data })).toThrow(SnapshotError);
		expect(target.state.snapshot()).toEqual(before);
		expect(target.purged).toEqual([]);
	});
});
