/**
 * G-Counter (grow-only): one count per replica, join is the pointwise max, the value is the
 * sum. A delta is a G-Counter holding only the slot that changed. Pure.
 */
import { CounterRangeError } from "./errors.ts";
import {
	copyMap,
	emptyMap,
	mapLeq,
	maxInto,
	type ReplicaId,
	type ReplicaMap,
	replicaMapSchema,
} from "./replica.ts";

export type GCounter = ReplicaMap;

export const gCounterSchema = replicaMapSchema;

export function gCounterBottom(): GCounter {
	return emptyMap();
}

/** The delta that adds `by` (a non-negative safe integer) to `replica`'s slot of `state`. */
export function gCounterIncrement(state: GCounter, replica: ReplicaId, by: number): GCounter {
	if (!Number.isSafeInteger(by) || by < 0) {
		throw new RangeError(`a G-Counter grows by a non-negative integer, not ${by}`);
	}
	const next = (state[replica] ?? 0) + by;
	if (!Number.isSafeInteger(next)) throw new RangeError(`counter slot ${replica} would overflow`);
	const delta = emptyMap();
	delta[replica] = next;
	return delta;
}

/** Joins `delta` into `target` (mutated); whether `target` grew. */
export const gCounterJoinInto: (target: GCounter, delta: GCounter) => boolean = maxInto;

export function gCounterJoin(a: GCounter, b: GCounter): GCounter {
	const out = copyMap(a);
	maxInto(out, b);
	return out;
}

export const gCounterLeq: (a: GCounter, b: GCounter) => boolean = mapLeq;

/** The total; a CounterRangeError past 2^53 - 1, where it could only be answered rounded. */
export function gCounterValue(state: GCounter): number {
	let sum = 0;
	for (const k in state) sum += state[k] as number;
	// Every slot is a safe integer, so a true sum past the limit cannot round back below it.
	if (sum > Number.MAX_SAFE_INTEGER)
		throw new CounterRangeError(`the counter's total passes 2^53 - 1 (${sum})`);
	return sum;
}

export const gCounterClone: (state: GCounter) => GCounter = copyMap;
