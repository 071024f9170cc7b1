/**
 * The KV store's snapshot data: every key with its value and revision (a deleted key keeps
 * its revision, so revisions never go back), and every client session (last sequence number
 * and its result, for exactly-once retries, and the log index it was last used at, so the
 * order sessions expire in survives a snapshot). JSON, decoded with valibot: a snapshot
 * comes from disk or from another node, so it is outside input. A snapshot written before
 * sessions carried their last use decodes with 0 for it.
 */
import * as v from "valibot";
import { SnapshotError } from "../raft/state-machine.ts";
import { SessionSchema, sessionsIn, sessionTuples } from "../state/session-snapshot.ts";
import type { Session } from "../state/session-table.ts";
import type { KeyState, KvResult } from "./ops.ts";

export const KV_SNAPSHOT_FORMAT = "neurocache-kv/1";

export type KvSession = Session<KvResult>;

export interface KvState {
	readonly index: number;
	readonly keys: ReadonlyMap<string, KeyState>;
	readonly sessions: ReadonlyMap<number, KvSession>;
}

const Count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

const ResultSchema = v.variant("kind", [
	v.strictObject({ kind: v.literal("put"), revision: Count }),
	v.strictObject({ kind: v.literal("get"), value: v.nullable(v.string()), revision: Count }),
	v.strictObject({ kind: v.literal("delete"), deleted: v.boolean(), revision: Count }),
	v.strictObject({
		kind: v.literal("cas"),
		ok: v.boolean(),
		value: v.nullable(v.string()),
		revision: Count,
	}),
]);

const SnapshotSchema = v.strictObject({
	format: v.literal(KV_SNAPSHOT_FORMAT),
	index: Count,
	// [key, value or null (deleted), revision]; sorted by key, so equal states encode equally.
	keys: v.array(v.tuple([v.pipe(v.string(), v.minLength(1)), v.nullable(v.string()), Count])),
	// [client, seq, result, last used index], sorted by client (older: no last used index).
	sessions: v.array(SessionSchema(ResultSchema)),
});

export function encodeKvSnapshot(state: KvState): string {
	const keys = [...state.keys]
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([key, s]) => [key, s.value, s.revision]);
	const sessions = sessionTuples(state.sessions);
	return JSON.stringify({ format: KV_SNAPSHOT_FORMAT, index: state.index, keys, sessions });
}

/** The state in `data`, which must be a KV snapshot at `index`; SnapshotError otherwise. */
export function decodeKvSnapshot(index: number, data: string): KvState {
	let raw: unknown;
	try {
		raw = JSON.parse(data);
	} catch {
		throw new SnapshotError(`KV snapshot at ${index} is not JSON (${data.length} chars)`);
	}
	const parsed = v.safeParse(SnapshotSchema, raw);
	if (!parsed.success) {
		const issue = parsed.issues[0];
		const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
		throw new SnapshotError(`KV snapshot at ${index} is malformed at '${path}': ${issue.message}`);
	}
	const snapshot = parsed.output;
	if (snapshot.index !== index) {
		throw new SnapshotError(`KV snapshot says index ${snapshot.index}, expected ${index}`);
	}
	const keys = new Map<string, KeyState>();
	for (const [key, value, revision] of snapshot.keys) {
		if (keys.has(key)) throw new SnapshotError(`KV snapshot at ${index} repeats key '${key}'`);
		keys.set(key, { value, revision });
	}
	const sessions = sessionsIn(snapshot.sessions, index, `KV snapshot at ${index}`);
	return { index, keys, sessions };
}
