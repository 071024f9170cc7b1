/**
 * The purge machine's snapshot data: the recent purges with the log index each was
 * applied at, oldest first. JSON, decoded with valibot (a snapshot comes from disk or a
 * peer); anything off is a SnapshotError and the machine keeps what it had.
 */
import * as v from "valibot";
import { PurgeRequestSchema } from "../../edge/purge.ts";
import { SnapshotError } from "../raft/state-machine.ts";
import type { PurgeRecord } from "./history.ts";

export const PURGE_SNAPSHOT_FORMAT = "neurocache-purge/1";
/** No snapshot of ours holds more; a bigger one is not ours. */
export const MAX_SNAPSHOT_HISTORY = 100_000;

const Count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const Positive = v.pipe(Count, v.minValue(1));

const SnapshotSchema = v.strictObject({
	format: v.literal(PURGE_SNAPSHOT_FORMAT),
	index: Count,
	/** The newest purge's index the history no longer holds (0: none dropped). */
	forgottenThrough: Count,
	// [index, client, seq, purge], oldest first.
	history: v.pipe(
		v.array(v.tuple([Positive, Positive, Positive, PurgeRequestSchema])),
		v.maxLength(MAX_SNAPSHOT_HISTORY),
	),
});

export interface PurgeState {
	readonly forgottenThrough: number;
	readonly history: readonly PurgeRecord[];
}

export function encodePurgeSnapshot(index: number, state: PurgeState): string {
	const { forgottenThrough, history } = state;
	return JSON.stringify({
		format: PURGE_SNAPSHOT_FORMAT,
		index,
		forgottenThrough,
		history: history.map((r) => [r.index, r.client, r.seq, r.purge]),
	});
}

/** The state in `data`, which must be a purge snapshot at `index`; SnapshotError otherwise. */
export function decodePurgeSnapshot(index: number, data: string): PurgeState {
	let raw: unknown;
	try {
		raw = JSON.parse(data);
	} catch {
		throw new SnapshotError(`purge snapshot at ${index} is not JSON (${data.length} chars)`);
	}
	const parsed = v.safeParse(SnapshotSchema, raw);
	if (!parsed.success)
		throw new SnapshotError(`purge snapshot at ${index}: ${parsed.issues[0].message}`);
	if (parsed.output.index !== index)
		throw new SnapshotError(`purge snapshot says index ${parsed.output.index}, expected ${index}`);
	const history = parsed.output.history.map(([at, client, seq, purge]) => ({
		index: at,
		client,
		seq,
		purge,
	}));
	const { forgottenThrough } = parsed.output;
	if (forgottenThrough > index)
		throw new SnapshotError(`purge snapshot at ${index}: forgets purges past itself`);
	for (let i = 0; i < history.length; i++) {
		const record = history[i] as PurgeRecord;
		const previous = history[i - 1]?.index ?? forgottenThrough;
		if (record.index <= previous || record.index > index)
			throw new SnapshotError(
				`purge snapshot at ${index}: history index ${record.index} out of order or past the snapshot`,
			);
	}
	return { forgottenThrough, history };
}
