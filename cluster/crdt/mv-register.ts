/**
 * MV-Register (multi-value): a write replaces every value its replica has seen; writes
 * that did not see each other are all kept, and a read returns them all. Each write is a
 * dot, and the causal context (a version vector plus cloud) says which writes a state has
 * seen, so a value is dropped exactly when a later write saw it (Almeida et al. 2018, §7.2).
 * Entries are sorted by dot, so equal states have equal JSON. Pure.
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
import { type JsonValue, jsonValueSchema } from "./json-value.ts";
import type { ReplicaId } from "./replica.ts";

export interface MvEntry {
	readonly dot: Dot;
	readonly value: JsonValue;
}

export interface MvRegister {
	readonly entries: readonly MvEntry[];
	readonly cc: CausalContext;
}

/** Concurrent values one register may hold from the network. */
export const MAX_MV_ENTRIES = 256;

export const mvRegisterSchema = v.pipe(
	v.strictObject({
		entries: v.pipe(
			v.array(v.strictObject({ dot: dotSchema, value: jsonValueSchema })),
			v.maxLength(MAX_MV_ENTRIES),
		),
		cc: causalContextSchema,
	}),
	v.check(
		(s) => s.entries.every((e) => ccHas(s.cc, e.dot)),
		"every entry's dot is in the register's causal context",
	),
	v.check(
		(s) => new Set(s.entries.map((e) => `${e.dot[0]}/${e.dot[1]}`)).size === s.entries.length,
		"no dot appears twice",
	),
	v.transform((s): MvRegister => ({ entries: sortEntries(s.entries), cc: s.cc })),
);

export function mvBottom(): MvRegister {
	return { entries: [], cc: ccBottom() };
}

/** The delta of `replica` writing `value`: the new dot, and the dots it supersedes. */
export function mvWrite(state: MvRegister, replica: ReplicaId, value: JsonValue): MvRegister {
	const dot = ccNext(state.cc, replica);
	const cc = ccBottom();
	for (const e of state.entries) ccAdd(cc, e.dot);
	ccAdd(cc, dot);
	return { entries: [{ dot, value }], cc };
}

export function mvJoin(a: MvRegister, b: MvRegister): MvRegister {
	const entries: MvEntry[] = [];
	for (const e of a.entries) {
		if (hasDot(b, e.dot) || !ccHas(b.cc, e.dot)) entries.push(e);
	}
	for (const e of b.entries) {
		if (!hasDot(a, e.dot) && !ccHas(a.cc, e.dot)) entries.push(e);
	}
	const cc = ccClone(a.cc);
	ccJoinInto(cc, b.cc);
	return { entries: sortEntries(entries), cc };
}

/** a ≤ b: b has seen all a has, and keeps no write a has seen and dropped. */
export function mvLeq(a: MvRegister, b: MvRegister): boolean {
	if (!ccLeq(a.cc, b.cc)) return false;
	return b.entries.every((e) => !ccHas(a.cc, e.dot) || hasDot(a, e.dot));
}

/** Every value no other write has seen, in dot order. */
export function mvValues(state: MvRegister): JsonValue[] {
	return state.entries.map((e) => e.value);
}

function hasDot(state: MvRegister, dot: Dot): boolean {
	return state.entries.some((e) => sameDot(e.dot, dot));
}

function sortEntries(entries: readonly MvEntry[]): MvEntry[] {
	return [...entries].sort((x, y) => compareDots(x.dot, y.dot));
}
