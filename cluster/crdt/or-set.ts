/**
 * OR-Set, add-wins (Almeida et al. 2018, §7.1): each add is a dot attached to its element;
 * a remove drops the dots it has seen; an add concurrent with a remove survives it.
 *
 * Deltas stay small: an add ships one element with one dot and, in its context, the dots
 * it replaces; a remove ships only a context. A remove also takes a fresh dot of its own
 * (in the context, attached to nothing), so every operation shows in the causal context:
 * a context that covers another means "has seen every add and remove of it", which is what
 * anti-entropy digests compare. Elements are strings. Pure.
 */
import * as v from "valibot";
import {
	type CausalContext,
	causalContextSchema,
	ccAdd,
	ccBottom,
	ccClone,
	ccHas,
	ccJoinInto,
	ccLeq,
	ccNext,
	compareDots,
	type Dot,
	dotSchema,
	sameDot,
} from "./causal-context.ts";
import { RESERVED_KEYS, type ReplicaId, recordOf } from "./replica.ts";

export interface OrSet {
	/** Element -> its live dots, sorted; no element with none. */
	readonly entries: Record<string, Dot[]>;
	readonly cc: CausalContext;
}

export const MAX_ELEMENT_LENGTH = 1024;
/** Elements one state from the network may hold. */
export const MAX_ELEMENTS = 100_000;

/** An element: a string up to 1 KiB that is not a reserved object key. */
export const elementSchema = v.pipe(
	v.string(),
	v.maxLength(MAX_ELEMENT_LENGTH),
	v.check((e) => !RESERVED_KEYS.has(e), "an element is not __proto__, prototype or constructor"),
);

export const orSetSchema = v.pipe(
	v.strictObject({
		entries: v.pipe(
			recordOf(elementSchema, v.pipe(v.array(dotSchema), v.minLength(1), v.maxLength(4096))),
			v.maxEntries(MAX_ELEMENTS),
		),
		cc: causalContextSchema,
	}),
	v.check(
		(s) => Object.values(s.entries).every((dots) => dots.every((d) => ccHas(s.cc, d))),
		"every element's dot is in the set's causal context",
	),
	v.transform((s): OrSet => {
		const entries = emptyEntries();
		for (const e in s.entries) entries[e] = normalizeDots(s.entries[e] ?? []);
		return { entries, cc: s.cc };
	}),
);

export function orSetBottom(): OrSet {
	return { entries: emptyEntries(), cc: ccBottom() };
}

export function orSetAdd(state: OrSet, replica: ReplicaId, element: string): OrSet {
	const dot = ccNext(state.cc, replica);
	const cc = ccBottom();
	for (const d of state.entries[element] ?? []) ccAdd(cc, d);
	ccAdd(cc, dot);
	const entries = emptyEntries();
	entries[element] = [dot];
	return { entries, cc };
}

export function orSetRemove(state: OrSet, replica: ReplicaId, element: string): OrSet {
	const cc = ccBottom();
	for (const d of state.entries[element] ?? []) ccAdd(cc, d);
	ccAdd(cc, ccNext(state.cc, replica));
	return { entries: emptyEntries(), cc };
}

export function orSetJoin(a: OrSet, b: OrSet): OrSet {
	const entries = emptyEntries();
	const elements = new Set([...Object.keys(a.entries), ...Object.keys(b.entries)]);
	for (const e of elements) {
		const x = a.entries[e] ?? [];
		const y = b.entries[e] ?? [];
		const kept = x.filter((d) => has(y, d) || !ccHas(b.cc, d));
		for (const d of y) if (!has(x, d) && !ccHas(a.cc, d)) kept.push(d);
		if (kept.length > 0) entries[e] = normalizeDots(kept);
	}
	const cc = ccClone(a.cc);
	ccJoinInto(cc, b.cc);
	return { entries, cc };
}

/** a ≤ b: b has seen all a has, and keeps no add a has seen removed. */
export function orSetLeq(a: OrSet, b: OrSet): boolean {
	if (!ccLeq(a.cc, b.cc)) return false;
	for (const e in b.entries) {
		for (const d of b.entries[e] ?? []) {
			if (ccHas(a.cc, d) && !has(a.entries[e] ?? [], d)) return false;
		}
	}
	return true;
}

export function orSetHas(state: OrSet, element: string): boolean {
	return state.entries[element] !== undefined;
}

export function orSetElements(state: OrSet): string[] {
	return Object.keys(state.entries).sort();
}

function emptyEntries(): Record<string, Dot[]> {
	return Object.create(null) as Record<string, Dot[]>;
}

function has(dots: readonly Dot[], dot: Dot): boolean {
	return dots.some((d) => sameDot(d, dot));
}

function normalizeDots(dots: readonly Dot[]): Dot[] {
	const sorted = [...dots].sort(compareDots);
	return sorted.filter((d, i) => i === 0 || !sameDot(d, sorted[i - 1] as Dot));
}
