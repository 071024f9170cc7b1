/**
 * Reachable CRDT states for property tests: three replicas apply random mutators and now
 * and then merge each other's full state. Returns every replica's final state and every
 * delta a mutator produced (their join is the join of the final states).
 */
import fc from "fast-check";
import { gCounterIncrement } from "../../cluster/crdt/g-counter.ts";
import { type CrdtKind, kinds, type StateOf } from "../../cluster/crdt/kinds.ts";
import { lwwSet } from "../../cluster/crdt/lww-register.ts";
import { mvWrite } from "../../cluster/crdt/mv-register.ts";
import { orSetAdd, orSetRemove } from "../../cluster/crdt/or-set.ts";
import { pnCounterIncrement } from "../../cluster/crdt/pn-counter.ts";

export const REPLICAS = ["a", "b", "c"] as const;

type Step =
	| { readonly op: "mutate"; readonly at: number; readonly arg: number; readonly flag: boolean }
	| { readonly op: "sync"; readonly from: number; readonly to: number };

const step: fc.Arbitrary<Step> = fc.oneof(
	{
		weight: 3,
		arbitrary: fc.record({
			op: fc.constant("mutate" as const),
			at: fc.nat(2),
			arg: fc.integer({ min: -5, max: 9 }),
			flag: fc.boolean(),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({ op: fc.constant("sync" as const), from: fc.nat(2), to: fc.nat(2) }),
	},
);

/** The delta one mutation makes at `replica`, per kind. */
function mutate<K extends CrdtKind>(
	kind: K,
	state: StateOf[K],
	replica: string,
	arg: number,
	flag: boolean,
	tick: number,
): StateOf[K] {
	switch (kind) {
		case "gcounter":
			return gCounterIncrement(state as StateOf["gcounter"], replica, Math.abs(arg)) as StateOf[K];
		case "pncounter":
			return pnCounterIncrement(state as StateOf["pncounter"], replica, arg) as StateOf[K];
		case "lww":
			// Stamps collide across replicas on purpose (same wall, logical): the replica breaks the tie.
			return lwwSet({ wall: Math.abs(arg) % 3, logical: tick % 2, replica }, arg) as StateOf[K];
		case "mvreg":
			return mvWrite(state as StateOf["mvreg"], replica, arg) as StateOf[K];
		case "orset": {
			const element = `e${Math.abs(arg) % 4}`;
			const set = state as StateOf["orset"];
			return (
				flag ? orSetRemove(set, replica, element) : orSetAdd(set, replica, element)
			) as StateOf[K];
		}
	}
	throw new Error(`unknown kind ${kind}`);
}

export interface History<K extends CrdtKind> {
	readonly states: StateOf[K][];
	readonly deltas: StateOf[K][];
}

export function history<K extends CrdtKind>(kind: K): fc.Arbitrary<History<K>> {
	const ops = kinds[kind];
	return fc.array(step, { maxLength: 40 }).map((steps) => {
		const states = REPLICAS.map(() => ops.bottom());
		const deltas: StateOf[K][] = [];
		let tick = 0;
		for (const s of steps) {
			if (s.op === "sync") {
				states[s.to] = ops.join(states[s.to] as StateOf[K], states[s.from] as StateOf[K]);
				continue;
			}
			const replica = REPLICAS[s.at] as string;
			const before = ops.clone(states[s.at] as StateOf[K]);
			const delta = mutate(kind, before, replica, s.arg, s.flag, tick++);
			deltas.push(ops.clone(delta));
			states[s.at] = ops.join(states[s.at] as StateOf[K], delta);
		}
		return { states, deltas };
	});
}

/** JSON with object keys sorted: equal states, equal text. */
export function canonical(value: unknown): string {
	return JSON.stringify(value, (_key, v: unknown) => {
		if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
		const sorted: Record<string, unknown> = {};
		for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
		return sorted;
	});
}
