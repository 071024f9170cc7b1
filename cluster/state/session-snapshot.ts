/**
 * Client sessions (session-table.ts) in a machine's JSON snapshot: one tuple per session,
 * `[client, seq, result, lastUsed]` (result null: seq was answered session-expired, or, at
 * seq 0, a registered session that has run nothing yet), sorted
 * by client so equal tables give equal bytes; the
 * table's order (least recently used first) follows from `lastUsed`. Snapshots written
 * before sessions carried `lastUsed` have `[client, seq, result]`: decoded with 0, their
 * order kept (sorted by client, the same on every replica).
 */
import * as v from "valibot";
import { SnapshotError } from "../raft/state-machine.ts";
import type { Session } from "./session-table.ts";

const Count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const Positive = v.pipe(Count, v.minValue(1));

/** A session tuple with results checked by `result`; with or without its last use. */
export function SessionSchema<Result>(result: v.GenericSchema<unknown, Result>) {
	return v.union(
		[
			v.strictTuple([Positive, Count, v.nullable(result), Count]),
			v.strictTuple([Positive, Positive, result]),
		],
		"a session is [client, seq, result, last used index]",
	);
}

export function sessionTuples<Result>(
	sessions: ReadonlyMap<number, Session<Result>>,
): [number, number, Result | null, number][] {
	return [...sessions]
		.sort(([a], [b]) => a - b)
		.map(([client, s]) => [client, s.seq, s.result, s.lastUsed]);
}

/** The sessions of decoded tuples, in the order given; a repeated client or a use after `index` is a SnapshotError. */
export function sessionsIn<Result>(
	tuples: readonly (
		| readonly [number, number, Result | null, number]
		| readonly [number, number, Result]
	)[],
	index: number,
	what: string,
): Map<number, Session<Result>> {
	const sessions = new Map<number, Session<Result>>();
	for (const [client, seq, result, lastUsed = 0] of tuples) {
		if (sessions.has(client)) throw new SnapshotError(`${what} repeats client ${client}`);
		if (seq === 0 && result !== null)
			throw new SnapshotError(`${what}: client ${client} has a result at seq 0`);
		if (lastUsed > index)
			throw new SnapshotError(`${what}: client ${client} last used at ${lastUsed}, after ${index}`);
		sessions.set(client, { seq, result, lastUsed });
	}
	return sessions;
}
