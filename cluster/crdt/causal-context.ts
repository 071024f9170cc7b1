/**
 * Dots and causal contexts for the causal CRDTs (MV-Register, OR-Set), after Almeida,
 * Shoker and Baquero, "Delta state replicated data types" (2018), §6.
 *
 * A dot `[replica, n]` names the n-th event of a replica. A causal context is the set of
 * dots a state has seen, kept compact: a version vector (every dot 1..vv[r] of replica r)
 * plus a cloud of dots beyond it, which deltas arriving out of order leave behind until the
 * gap fills. Every function keeps the context compact and the cloud sorted, so equal
 * contexts have equal JSON. Mutating functions say so; the rest are pure.
 */
import * as v from "valibot";
import {
	copyMap,
	emptyMap,
	MAX_REPLICAS,
	mapLeq,
	maxInto,
	type ReplicaId,
	type ReplicaMap,
	recordOf,
	replicaIdSchema,
	replicaMapSchema,
} from "./replica.ts";

export type Dot = readonly [replica: ReplicaId, n: number];

export interface CausalContext {
	readonly vv: ReplicaMap;
	/** Replica -> its dots beyond vv, ascending, none at or below vv[r]. */
	readonly cloud: Record<ReplicaId, number[]>;
}

/** Cloud dots one context may hold: a bound on what a peer can make us allocate. */
export const MAX_CLOUD_DOTS = 65_536;

const positive = v.pipe(v.number(), v.safeInteger(), v.minValue(1));

export const dotSchema = v.tuple([replicaIdSchema, positive]);

export const causalContextSchema = v.pipe(
	v.strictObject({
		vv: replicaMapSchema,
		cloud: v.pipe(
			recordOf(replicaIdSchema, v.pipe(v.array(positive), v.maxLength(MAX_CLOUD_DOTS))),
			v.maxEntries(MAX_REPLICAS),
		),
	}),
	v.check(
		(cc) => Object.values(cc.cloud).reduce((sum, dots) => sum + dots.length, 0) <= MAX_CLOUD_DOTS,
		`a causal context holds at most ${MAX_CLOUD_DOTS} cloud dots`,
	),
	// Whatever order and overlap the peer sent, inside we hold the compact form.
	v.transform((cc): CausalContext => {
		const out = ccBottom();
		maxInto(out.vv, cc.vv);
		for (const r in cc.cloud) for (const n of cc.cloud[r] ?? []) ccAdd(out, [r, n]);
		return out;
	}),
);

export function ccBottom(): CausalContext {
	return { vv: emptyMap(), cloud: Object.create(null) as Record<ReplicaId, number[]> };
}

export function ccClone(cc: CausalContext): CausalContext {
	const cloud = Object.create(null) as Record<ReplicaId, number[]>;
	for (const r in cc.cloud) cloud[r] = [...(cc.cloud[r] ?? [])];
	return { vv: copyMap(cc.vv), cloud };
}

export function ccHas(cc: CausalContext, [r, n]: Dot): boolean {
	if (n <= (cc.vv[r] ?? 0)) return true;
	const dots = cc.cloud[r];
	return dots !== undefined && sortedHas(dots, n);
}

/** The next dot of `replica`: one past every dot of it the context holds. */
export function ccNext(cc: CausalContext, replica: ReplicaId): Dot {
	const top = cc.cloud[replica]?.at(-1) ?? 0;
	return [replica, Math.max(cc.vv[replica] ?? 0, top) + 1];
}

/** Adds a dot (mutates), keeping the context compact. */
export function ccAdd(cc: CausalContext, [r, n]: Dot): void {
	const vv = cc.vv[r] ?? 0;
	if (n <= vv) return;
	const dots = cc.cloud[r] ?? [];
	if (!sortedHas(dots, n)) dots.splice(lowerBound(dots, n), 0, n);
	cc.cloud[r] = dots;
	compact(cc, r);
}

/** Joins `source` into `target` (mutates); whether `target` grew. */
export function ccJoinInto(target: CausalContext, source: CausalContext): boolean {
	let changed = false;
	for (const r in source.vv) {
		if ((source.vv[r] as number) > (target.vv[r] ?? 0)) {
			target.vv[r] = source.vv[r] as number;
			changed = true;
			compact(target, r);
		}
	}
	for (const r in source.cloud) {
		for (const n of source.cloud[r] ?? []) {
			if (ccHas(target, [r, n])) continue;
			ccAdd(target, [r, n]);
			changed = true;
		}
	}
	return changed;
}

/** Whether every dot of `a` is in `b`. */
export function ccLeq(a: CausalContext, b: CausalContext): boolean {
	if (!mapLeq(a.vv, b.vv)) {
		// a's prefix may still be covered by b's prefix plus b's cloud.
		for (const r in a.vv) {
			const top = a.vv[r] as number;
			const base = b.vv[r] ?? 0;
			if (top <= base) continue;
			const cloud = b.cloud[r] ?? [];
			if (top - base > cloud.length) return false;
			for (let n = base + 1; n <= top; n++) if (!sortedHas(cloud, n)) return false;
		}
	}
	for (const r in a.cloud) for (const n of a.cloud[r] ?? []) if (!ccHas(b, [r, n])) return false;
	return true;
}

export function compareDots(a: Dot, b: Dot): number {
	if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
	return a[1] - b[1];
}

export function sameDot(a: Dot, b: Dot): boolean {
	return a[0] === b[0] && a[1] === b[1];
}

/** Folds cloud dots that extend the version vector into it, drops those below it. */
function compact(cc: CausalContext, r: ReplicaId): void {
	const dots = cc.cloud[r];
	if (dots === undefined) return;
	let vv = cc.vv[r] ?? 0;
	let i = 0;
	while (i < dots.length && (dots[i] as number) <= vv + 1) {
		vv = Math.max(vv, dots[i] as number);
		i++;
	}
	if (vv > 0) cc.vv[r] = vv;
	if (i === dots.length) delete cc.cloud[r];
	else if (i > 0) dots.splice(0, i);
}

function lowerBound(sorted: readonly number[], n: number): number {
	let lo = 0;
	let hi = sorted.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if ((sorted[mid] as number) < n) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

function sortedHas(sorted: readonly number[], n: number): boolean {
	return sorted[lowerBound(sorted, n)] === n;
}
