/**
 * The KV store as a replicated state machine: its snapshot carries keys with revisions and
 * client sessions, restores to the same behaviour, and a bad snapshot changes nothing.
 */
import { describe, expect, test } from "bun:test";
import { encodeCommand, type KvCommand } from "../../cluster/kv/command.ts";
import { decodeKvSnapshot } from "../../cluster/kv/snapshot-codec.ts";
import { KvStore } from "../../cluster/kv/store.ts";
import { SnapshotError } from "../../cluster/raft/state-machine.ts";
import { encodeSessionEntry } from "../../cluster/state/entry-encoding.ts";

const put = (client: number, seq: number, key: string, value: string): string =>
	encodeCommand({ client, seq, op: { kind: "put", key, value } } satisfies KvCommand);

/** A store that applied a no-op, puts, a delete, and writes from two clients. */
function busyStore(): KvStore {
	const kv = new KvStore();
	kv.apply(1, "");
	kv.apply(2, put(7, 1, "b", "one"));
	kv.apply(3, put(7, 2, "a", "two"));
	kv.apply(4, encodeCommand({ client: 8, seq: 1, op: { kind: "delete", key: "b" } }));
	kv.apply(5, put(8, 2, "c", "three"));
	return kv;
}

describe("KvStore snapshots", () => {
	test("apply takes entry data: a no-op moves the index, a command reports its outcome", () => {
		const kv = new KvStore();
		expect(kv.apply(1, "")).toEqual({ kind: "noop" });
		const applied = kv.apply(2, put(1, 1, "k", "v"));
		expect(applied).toEqual({
			kind: "command",
			command: { client: 1, seq: 1, op: { kind: "put", key: "k", value: "v" } },
			outcome: { kind: "applied", result: { kind: "put", revision: 1 } },
		});
		expect(kv.appliedIndex).toBe(2);
	});

	test("a restored store has the keys, revisions (deleted keys too) and sessions", () => {
		const source = busyStore();
		const snapshot = source.snapshot();
		expect(snapshot.index).toBe(5);
		const copy = new KvStore();
		copy.restore(snapshot);
		expect(copy.appliedIndex).toBe(5);
		expect(copy.read("a")).toEqual({ kind: "get", value: "two", revision: 1 });
		expect(copy.read("b")).toEqual({ kind: "get", value: null, revision: 2 });
		// A retry of client 8's last write is answered from its session, not applied again.
		expect(copy.apply(6, put(8, 2, "c", "three"))).toEqual({
			kind: "command",
			command: { client: 8, seq: 2, op: { kind: "put", key: "c", value: "three" } },
			outcome: { kind: "duplicate", result: { kind: "put", revision: 1 } },
		});
		// And an abandoned older one is ignored.
		const stale = copy.apply(7, put(7, 1, "a", "old"));
		expect(stale.kind === "command" && stale.outcome.kind).toBe("stale");
		// The write after the restore bumps the revision the snapshot carried.
		const next = copy.apply(8, put(9, 1, "b", "back"));
		expect(next.kind === "command" && next.outcome).toEqual({
			kind: "applied",
			result: { kind: "put", revision: 3 },
		});
	});

	test("a registered session that has run nothing survives a snapshot: its first write then applies once", () => {
		const source = new KvStore();
		const registered = source.apply(1, encodeSessionEntry({ nonce: 3 }));
		expect(registered).toEqual({ kind: "session", nonce: 3, client: 2 ** 48 + 1 });
		const copy = new KvStore();
		copy.restore(source.snapshot());
		const client = 2 ** 48 + 1;
		const first = copy.apply(2, put(client, 1, "k", "v"));
		expect(first.kind === "command" && first.outcome.kind).toBe("applied");
		const retry = copy.apply(3, put(client, 1, "k", "v"));
		expect(retry.kind === "command" && retry.outcome.kind).toBe("duplicate");
	});

	test("equal states give equal snapshots, whatever the order keys were first written in", () => {
		const one = new KvStore();
		one.apply(1, put(1, 1, "x", "1"));
		one.apply(2, put(1, 2, "y", "2"));
		const two = new KvStore();
		two.apply(1, put(1, 1, "y", "2"));
		two.apply(2, put(1, 2, "x", "1"));
		// Same keys and revisions, same session (client 1, seq 2, a put at revision 1).
		expect(two.snapshot()).toEqual(one.snapshot());
	});

	test("a corrupt, truncated or mismatched snapshot is refused and changes nothing", () => {
		const good = busyStore().snapshot();
		const bad: [string, number, string][] = [
			["not JSON", good.index, "not JSON"],
			["truncated", good.index, good.data.slice(0, good.data.length - 7)],
			["wrong index", good.index + 1, good.data],
			["other format", good.index, good.data.replace("neurocache-kv/1", "neurocache-kv/9")],
			["bad revision", good.index, good.data.replace('"two",1]', '"two",-1]')],
			["session without result", good.index, good.data.replace(/,\{"kind":"put"[^}]*\}/, "")],
			[
				"truncated in the sessions",
				good.index,
				good.data.slice(0, good.data.indexOf('"sessions"') + 16),
			],
			["session used after the index", good.index, good.data.replace(/,5\]\]\}$/, ",6]]}")],
			["session with extra fields", good.index, good.data.replace(/,5\]\]\}$/, ",5,1]]}")],
			// Seq 0 is a registered session that has run nothing: it has no result to keep.
			["result at seq 0", good.index, good.data.replace('[8,2,{"kind"', '[8,0,{"kind"')],
			[
				"repeated key",
				good.index,
				JSON.stringify({
					format: "neurocache-kv/1",
					index: good.index,
					keys: [
						["a", "1", 1],
						["a", "2", 2],
					],
					sessions: [],
				}),
			],
		];
		for (const [what, index, data] of bad) {
			const kv = new KvStore();
			kv.apply(1, put(3, 1, "keep", "me"));
			const before = kv.snapshot();
			expect(() => kv.restore({ index, data }), what).toThrow(SnapshotError);
			expect(kv.snapshot(), what).toEqual(before);
		}
	});

	test("a snapshot taken after sessions expired restores to the same table: the same expire next", () => {
		const put = (client: number, seq: number) =>
			encodeCommand({ client, seq, op: { kind: "put", key: "k", value: `${client}.${seq}` } });
		const source = new KvStore({ maxSessions: 3 });
		// Clients 1..5 write once each (1 and 2 expire), then client 3 writes again.
		for (let client = 1; client <= 5; client++) source.apply(client, put(client, 1));
		source.apply(6, put(3, 2));
		expect(source.sessionCount).toBe(3);
		const snapshot = source.snapshot();
		const copy = new KvStore({ maxSessions: 3 });
		copy.restore(snapshot);
		expect(copy.snapshot()).toEqual(snapshot);
		// Both apply the same next entries: client 6 expires client 4 (least recently used)
		// on both, client 4's next write is session-expired on both (its answer takes a slot:
		// client 5 goes), and client 6's retry is a duplicate on both.
		for (const kv of [source, copy]) {
			kv.apply(7, put(6, 1));
			const next = kv.apply(8, put(4, 2));
			expect(next.kind === "command" && next.outcome).toEqual({ kind: "session-expired" });
			const kept = kv.apply(9, put(6, 1));
			expect(kept.kind === "command" && kept.outcome.kind).toBe("duplicate");
		}
		expect(copy.snapshot()).toEqual(source.snapshot());
		const { sessions } = decodeKvSnapshot(9, source.snapshot().data);
		expect([...sessions].map(([client, s]) => [client, s.seq, s.lastUsed])).toEqual([
			[3, 2, 6],
			[4, 2, 8],
			[6, 1, 9],
		]);
	});

	test("a snapshot from before sessions carried their last use still restores, in client order", () => {
		const old = JSON.stringify({
			format: "neurocache-kv/1",
			index: 4,
			keys: [["k", "v", 3]],
			sessions: [
				[3, 1, { kind: "put", revision: 1 }],
				[5, 2, { kind: "put", revision: 3 }],
				[9, 1, { kind: "put", revision: 2 }],
			],
		});
		const kv = new KvStore({ maxSessions: 3 });
		kv.restore({ index: 4, data: old });
		expect(kv.read("k")).toEqual({ kind: "get", value: "v", revision: 3 });
		const retry = kv.apply(5, put(5, 2, "k", "again"));
		expect(retry.kind === "command" && retry.outcome).toEqual({
			kind: "duplicate",
			result: { kind: "put", revision: 3 },
		});
		// All had last use 0, kept in client order: 3 goes first, then 9 (5 was just used).
		kv.apply(6, put(11, 1, "x", "1"));
		kv.apply(7, put(12, 1, "x", "2"));
		const { sessions } = decodeKvSnapshot(7, kv.snapshot().data);
		expect([...sessions.keys()]).toEqual([5, 11, 12]);
	});
});
