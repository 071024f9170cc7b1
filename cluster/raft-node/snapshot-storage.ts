/**
 * A core snapshot (raft/snapshot.ts) as the write-ahead log stores it: the WAL keeps index,
 * term and bytes; the membership goes into the bytes beside the state machine's data. Read
 * back with valibot, since a snapshot file is outside input like any other.
 */
import * as v from "valibot";
import type { Snapshot } from "../raft/snapshot.ts";
import { SnapshotError } from "../raft/state-machine.ts";
import type { Snapshot as WalSnapshot } from "../wal/types.ts";

const Node = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2 ** 31 - 1));

const StoredSchema = v.strictObject({
	config: v.strictObject({ voters: v.array(Node), learners: v.array(Node) }),
	data: v.string(),
});

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function snapshotToWal(snapshot: Snapshot): WalSnapshot {
	const { index, term, config } = snapshot.meta;
	const stored = {
		config: { voters: config.voters, learners: config.learners },
		data: snapshot.data,
	};
	return { index, term, data: encoder.encode(JSON.stringify(stored)) };
}

/** The core's snapshot from the WAL's; SnapshotError if the bytes are not one. */
export function snapshotFromWal(snapshot: WalSnapshot): Snapshot {
	let raw: unknown;
	try {
		raw = JSON.parse(decoder.decode(snapshot.data));
	} catch {
		throw new SnapshotError(`snapshot ${snapshot.index} on disk is not UTF-8 JSON`);
	}
	const parsed = v.safeParse(StoredSchema, raw);
	if (!parsed.success) {
		throw new SnapshotError(`snapshot ${snapshot.index} on disk: ${parsed.issues[0].message}`);
	}
	const { config, data } = parsed.output;
	return { meta: { index: snapshot.index, term: snapshot.term, config }, data };
}
