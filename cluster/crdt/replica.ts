/**
 * Replica ids and the small maps keyed by them.
 *
 * A replica id is a string, not the gossip layer's numeric node id: a node that reopens
 * its store directory writes under a fresh id (`<node>.<generation>`, see persistence.ts),
 * so a dot or a counter slot is never issued twice, even when the last writes before a
 * crash reached peers but not the disk. An in-memory store uses `String(nodeId)`.
 *
 * Ids start with a letter: never `__proto__`, and never an array-index-like key ("3"),
 * which JavaScriptCore stores as indexed properties and walks about ten times slower
 * (measured: 20-slot max-join 270 ns with "n3"-style keys, 2-5 µs with "3"-style ones).
 * Maps keyed by them are null-prototype objects, so `map.toString` is never inherited.
 */
import * as v from "valibot";

export type ReplicaId = string;

export const MAX_REPLICA_ID_LENGTH = 64;
/** Replicas one state may name: a bound on what a peer can make us allocate. */
export const MAX_REPLICAS = 4096;

/**
 * Names valibot's record schema silently drops as keys (prototype pollution guards): a
 * replica id or element named so would vanish on the way through the network.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
	"__proto__",
	"prototype",
	"constructor",
]);

export const replicaIdSchema = v.pipe(
	v.string(),
	v.regex(
		/^[A-Za-z][A-Za-z0-9.:-]{0,63}$/,
		"a replica id is a letter, then up to 63 of [A-Za-z0-9.:-]",
	),
	v.check((id) => !RESERVED_KEYS.has(id), "a replica id is not a reserved object key"),
);

/**
 * A record from the network: a plain object (not an array) without a reserved key, which
 * valibot's record would otherwise drop without a word.
 */
export function recordOf<
	TKey extends v.GenericSchema<string, string>,
	TValue extends v.GenericSchema,
>(key: TKey, value: TValue) {
	return v.pipe(
		v.custom<Record<string, unknown>>(
			(x) =>
				typeof x === "object" &&
				x !== null &&
				!Array.isArray(x) &&
				Object.keys(x).every((k) => !RESERVED_KEYS.has(k)),
			"a plain object without __proto__, prototype or constructor keys",
		),
		v.record(key, value),
	);
}

/** The replica id of a gossip node id, for a store that is not persisted. */
export function replicaIdOf(nodeId: number): ReplicaId {
	return `n${nodeId}`;
}

/** A count: a non-negative safe integer. */
export const countSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

export type ReplicaMap = Record<ReplicaId, number>;

export function emptyMap(): ReplicaMap {
	return Object.create(null) as ReplicaMap;
}

export function copyMap(map: ReplicaMap): ReplicaMap {
	const out = emptyMap();
	const keys = Object.keys(map);
	for (let i = 0; i < keys.length; i++) {
		const k = keys[i] as string;
		out[k] = map[k] as number;
	}
	return out;
}

/** Pointwise max into `target`; whether anything grew. */
export function maxInto(target: ReplicaMap, source: ReplicaMap): boolean {
	let changed = false;
	const keys = Object.keys(source);
	for (let i = 0; i < keys.length; i++) {
		const k = keys[i] as string;
		const n = source[k] as number;
		if (n > (target[k] ?? 0)) {
			target[k] = n;
			changed = true;
		}
	}
	return changed;
}

/** Whether every entry of `a` is at most the same entry of `b`. */
export function mapLeq(a: ReplicaMap, b: ReplicaMap): boolean {
	for (const k in a) if ((a[k] as number) > (b[k] ?? 0)) return false;
	return true;
}

/** Replica id -> count, from the network: validated, bounded, null-prototype. */
export const replicaMapSchema = v.pipe(
	recordOf(replicaIdSchema, countSchema),
	v.maxEntries(MAX_REPLICAS),
	v.transform((map): ReplicaMap => copyMap(map)),
);
