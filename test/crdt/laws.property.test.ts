/**
 * The lattice laws every kind must keep, over reachable states (random mutations at three
 * replicas with random full-state merges): join is commutative, associative, idempotent;
 * mutators inflate; deltas joined in any order, with duplicates, equal the full states'
 * join; and `leq` agrees with join (a ≤ b exactly when a ⊔ b = b).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type CrdtKind, KINDS, kinds, type StateOf } from "../../cluster/crdt/kinds.ts";
import { canonical, history } from "./histories.ts";

const RUNS = 300;

for (const kind of KINDS) {
	const ops = kinds[kind] as unknown as (typeof kinds)[CrdtKind] & {
		join(a: StateOf[CrdtKind], b: StateOf[CrdtKind]): StateOf[CrdtKind];
		leq(a: StateOf[CrdtKind], b: StateOf[CrdtKind]): boolean;
		bottom(): StateOf[CrdtKind];
	};
	const same = (x: unknown, y: unknown) => expect(canonical(x)).toBe(canonical(y));

	describe(`${kind} laws`, () => {
		test("join is commutative", () => {
			fc.assert(
				fc.property(history(kind), ({ states: [a, b] }) => {
					same(ops.join(a as never, b as never), ops.join(b as never, a as never));
				}),
				{ numRuns: RUNS },
			);
		});

		test("join is associative", () => {
			fc.assert(
				fc.property(history(kind), ({ states: [a, b, c] }) => {
					same(
						ops.join(ops.join(a as never, b as never), c as never),
						ops.join(a as never, ops.join(b as never, c as never)),
					);
				}),
				{ numRuns: RUNS },
			);
		});

		test("join is idempotent", () => {
			fc.assert(
				fc.property(history(kind), ({ states: [a] }) => {
					same(ops.join(a as never, a as never), a);
				}),
				{ numRuns: RUNS },
			);
		});

		test("deltas in any order, with duplicates, equal the join of the full states", () => {
			fc.assert(
				fc.property(
					history(kind).chain((h) =>
						fc
							.shuffledSubarray([...h.deltas, ...h.deltas], {
								minLength: 2 * h.deltas.length,
								maxLength: 2 * h.deltas.length,
							})
							.map((shuffled) => ({ h, shuffled })),
					),
					({ h, shuffled }) => {
						const fromDeltas = shuffled.reduce((s, d) => ops.join(s, d), ops.bottom());
						const fromStates = h.states.reduce((s, x) => ops.join(s, x), ops.bottom());
						same(fromDeltas, fromStates);
					},
				),
				{ numRuns: RUNS },
			);
		});

		test("every state is at most its join with a delta (mutators inflate)", () => {
			fc.assert(
				fc.property(history(kind), ({ states, deltas }) => {
					for (const s of states) {
						for (const d of deltas.slice(0, 8)) {
							expect(ops.leq(s as never, ops.join(s as never, d as never))).toBe(true);
						}
					}
				}),
				{ numRuns: RUNS },
			);
		});

		test("leq agrees with join: a ≤ b exactly when a ⊔ b = b", () => {
			fc.assert(
				fc.property(history(kind), ({ states: [a, b] }) => {
					const joinIsB = canonical(ops.join(a as never, b as never)) === canonical(b);
					expect(ops.leq(a as never, b as never)).toBe(joinIsB);
				}),
				{ numRuns: RUNS },
			);
		});
	});
}
