/**
 * PN-Counter: two G-Counters, increments and decrements; the value is their difference.
 * Pure.
 */
import * as v from "valibot";
import {
	type GCounter,
	gCounterBottom,
	gCounterIncrement,
	gCounterLeq,
	gCounterSchema,
	gCounterValue,
} from "./g-counter.ts";
import { copyMap, maxInto, type ReplicaId } from "./replica.ts";

export interface PnCounter {
	readonly p: GCounter;
	readonly n: GCounter;
}

export const pnCounterSchema = v.strictObject({ p: gCounterSchema, n: gCounterSchema });

export function pnCounterBottom(): PnCounter {
	return { p: gCounterBottom(), n: gCounterBottom() };
}

/** The delta that adds `by` (any safe integer; negative decrements). */
export function pnCounterIncrement(state: PnCounter, replica: ReplicaId, by: number): PnCounter {
	if (!Number.isSafeInteger(by)) throw new RangeError(`a counter moves by an integer, not ${by}`);
	return by >= 0
		? { p: gCounterIncrement(state.p, replica, by), n: gCounterBottom() }
		: { p: gCounterBottom(), n: gCounterIncrement(state.n, replica, -by) };
}

export function pnCounterJoinInto(target: PnCounter, delta: PnCounter): boolean {
	const p = maxInto(target.p, delta.p);
	const n = maxInto(target.n, delta.n);
	return p || n;
}

export function pnCounterJoin(a: PnCounter, b: PnCounter): PnCounter {
	const out = pnCounterClone(a);
	pnCounterJoinInto(out, b);
	return out;
}

export function pnCounterLeq(a: PnCounter, b: PnCounter): boolean {
	return gCounterLeq(a.p, b.p) && gCounterLeq(a.n, b.n);
}

/**
 * Increments minus decrements. Each side must be exact (gCounterValue), so a counter refuses
 * once either has passed 2^53 - 1 in total, though their difference might not have.
 */
export function pnCounterValue(state: PnCounter): number {
	return gCounterValue(state.p) - gCounterValue(state.n);
}

export function pnCounterClone(state: PnCounter): PnCounter {
	return { p: copyMap(state.p), n: copyMap(state.n) };
}
