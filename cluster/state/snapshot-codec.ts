/**
 * The control plane's combined snapshot: each machine's own snapshot data at one index,
 * side by side. Decoded with valibot here (the envelope); each part is then decoded by its
 * machine. A bare KV snapshot (what members wrote before purges and POP config were
 * replicated) still reads: the KV part, and empty purge and POP config machines.
 */
import * as v from "valibot";
import { KV_SNAPSHOT_FORMAT } from "../kv/snapshot-codec.ts";
import { SnapshotError } from "../raft/state-machine.ts";

export const STATE_SNAPSHOT_FORMAT = "neurocache-state/1";

export interface StateParts {
	readonly kv: string;
	/** Undefined: a snapshot from before purges were replicated (none to restore). */
	readonly purge: string | undefined;
	readonly popConfig: string | undefined;
}

const Count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

const SnapshotSchema = v.strictObject({
	format: v.literal(STATE_SNAPSHOT_FORMAT),
	index: Count,
	kv: v.string(),
	purge: v.string(),
	popConfig: v.string(),
});

export function encodeStateSnapshot(index: number, parts: Required<Readonly<StateParts>>): string {
	return JSON.stringify({
		format: STATE_SNAPSHOT_FORMAT,
		index,
		kv: parts.kv,
		purge: parts.purge,
		popConfig: parts.popConfig,
	});
}

export function decodeStateSnapshot(index: number, data: string): StateParts {
	let raw: unknown;
	try {
		raw = JSON.parse(data);
	} catch {
		throw new SnapshotError(`state snapshot at ${index} is not JSON (${data.length} chars)`);
	}
	if (isObject(raw) && raw.format === KV_SNAPSHOT_FORMAT)
		return { kv: data, purge: undefined, popConfig: undefined };
	const parsed = v.safeParse(SnapshotSchema, raw);
	if (!parsed.success)
		throw new SnapshotError(`state snapshot at ${index}: ${parsed.issues[0].message}`);
	if (parsed.output.index !== index)
		throw new SnapshotError(`state snapshot says index ${parsed.output.index}, expected ${index}`);
	const { kv, purge, popConfig } = parsed.output;
	return { kv, purge, popConfig };
}

function isObject(raw: unknown): raw is Record<string, unknown> {
	return typeof raw === "object" && raw !== null;
}
