/**
 * The five CRDT kinds behind one table, so the store, the wire and the log treat them
 * alike: a schema (states and deltas share one: a delta is a state), bottom, join, order,
 * and the digest anti-entropy compares. The kind of a key never changes once chosen.
 */
import * as v from "valibot";
import { type CausalContext, causalContextSchema, ccLeq } from "./causal-context.ts";
import {
	type GCounter,
	gCounterBottom,
	gCounterClone,
	gCounterJoin,
	gCounterJoinInto,
	gCounterLeq,
	gCounterSchema,
} from "./g-counter.ts";
import {
	compareStamps,
	type LwwRegister,
	type LwwStamp,
	lwwBottom,
	lwwJoin,
	lwwLeq,
	lwwRegisterSchema,
	lwwStampSchema,
} from "./lww-register.ts";
import { type MvRegister, mvBottom, mvJoin, mvLeq, mvRegisterSchema } from "./mv-register.ts";
import { type OrSet, orSetBottom, orSetJoin, orSetLeq, orSetSchema } from "./or-set.ts";
import {
	type PnCounter,
	pnCounterBottom,
	pnCounterClone,
	pnCounterJoin,
	pnCounterJoinInto,
	pnCounterLeq,
	pnCounterSchema,
} from "./pn-counter.ts";

export const KINDS = ["gcounter", "pncounter", "lww", "mvreg", "orset"] as const;
export type CrdtKind = (typeof KINDS)[number];
export const kindSchema = v.picklist(KINDS);

export interface StateOf {
	gcounter: GCounter;
	pncounter: PnCounter;
	lww: LwwRegister;
	mvreg: MvRegister;
	orset: OrSet;
}

/** What a peer needs to know to tell whether it has everything a state holds. */
export interface DigestOf {
	gcounter: GCounter;
	pncounter: PnCounter;
	lww: LwwStamp | null;
	mvreg: CausalContext;
	orset: CausalContext;
}

export interface KindOps<K extends CrdtKind> {
	readonly schema: v.GenericSchema<unknown, StateOf[K]>;
	readonly digestSchema: v.GenericSchema<unknown, DigestOf[K]>;
	bottom(): StateOf[K];
	/** Pure join. */
	join(a: StateOf[K], b: StateOf[K]): StateOf[K];
	leq(a: StateOf[K], b: StateOf[K]): boolean;
	/**
	 * `state ⊔ delta` when the delta adds something, else undefined. May reuse (mutate)
	 * `state`: the store owns it; anything handed out is cloned first.
	 */
	absorb(state: StateOf[K], delta: StateOf[K]): StateOf[K] | undefined;
	/** A copy nothing else references (immutable kinds return themselves). */
	clone(state: StateOf[K]): StateOf[K];
	digest(state: StateOf[K]): DigestOf[K];
	/** Whether a replica whose digest is `digest` holds everything `state` holds. */
	covered(state: StateOf[K], digest: DigestOf[K]): boolean;
}

function immutable<K extends "lww" | "mvreg" | "orset">(
	ops: Omit<KindOps<K>, "absorb" | "clone">,
): KindOps<K> {
	return {
		...ops,
		absorb: (state, delta) => (ops.leq(delta, state) ? undefined : ops.join(state, delta)),
		clone: (state) => state,
	};
}

export const kinds: { readonly [K in CrdtKind]: KindOps<K> } = {
	gcounter: {
		schema: gCounterSchema,
		digestSchema: gCounterSchema,
		bottom: gCounterBottom,
		join: gCounterJoin,
		leq: gCounterLeq,
		absorb: (state, delta) => (gCounterJoinInto(state, delta) ? state : undefined),
		clone: gCounterClone,
		digest: gCounterClone,
		covered: gCounterLeq,
	},
	pncounter: {
		schema: pnCounterSchema,
		digestSchema: pnCounterSchema,
		bottom: pnCounterBottom,
		join: pnCounterJoin,
		leq: pnCounterLeq,
		absorb: (state, delta) => (pnCounterJoinInto(state, delta) ? state : undefined),
		clone: pnCounterClone,
		digest: pnCounterClone,
		covered: pnCounterLeq,
	},
	lww: immutable<"lww">({
		schema: lwwRegisterSchema,
		digestSchema: v.nullable(lwwStampSchema),
		bottom: lwwBottom,
		join: lwwJoin,
		leq: lwwLeq,
		digest: (state) => state?.stamp ?? null,
		covered: (state, digest) =>
			state === null || (digest !== null && compareStamps(state.stamp, digest) <= 0),
	}),
	mvreg: immutable<"mvreg">({
		schema: mvRegisterSchema,
		digestSchema: causalContextSchema,
		bottom: mvBottom,
		join: mvJoin,
		leq: mvLeq,
		digest: (state) => state.cc,
		covered: (state, digest) => ccLeq(state.cc, digest),
	}),
	orset: immutable<"orset">({
		schema: orSetSchema,
		digestSchema: causalContextSchema,
		bottom: orSetBottom,
		join: orSetJoin,
		leq: orSetLeq,
		digest: (state) => state.cc,
		covered: (state, digest) => ccLeq(state.cc, digest),
	}),
};

/** A state with its kind: how the store, the wire and the log carry one key's data. */
export type Kinded = {
	[K in CrdtKind]: { readonly kind: K; readonly state: StateOf[K] };
}[CrdtKind];

/** Kind-erased access for code that handles every kind alike (the kind travels beside). */
export function opsOf(kind: CrdtKind): KindOps<CrdtKind> {
	return kinds[kind] as unknown as KindOps<CrdtKind>;
}
