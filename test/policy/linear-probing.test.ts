import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	emptyKeys,
	findSlot,
	homeSlot,
	mayFillHole,
	NO_SLOT,
	reinsertAll,
	slotToFill,
} from "../../edge/policy/linear-probing.ts";

const EMPTY = 0xffff_ffff;
const BITS = 5;

/** A bare table of keys over the shared functions, deleting as the tables do. */
function remove(keys: Uint32Array, key: number): void {
	let hole = findSlot(keys, BITS, key, EMPTY);
	if (keys[hole] !== key) return;
	for (let from = slotToFill(keys, BITS, hole, EMPTY); from !== NO_SLOT; ) {
		keys[hole] = keys[from] as number;
		hole = from;
		from = slotToFill(keys, BITS, hole, EMPTY);
	}
	keys[hole] = EMPTY;
}

describe("linear probing core", () => {
	test("a member may fill a hole unless its home lies after the hole, up to its own slot", () => {
		expect(mayFillHole(3, 5, 3)).toBe(true); // home at the hole
		expect(mayFillHole(3, 5, 1)).toBe(true); // home before the hole
		expect(mayFillHole(3, 5, 4)).toBe(false); // home between hole and member
		expect(mayFillHole(3, 5, 5)).toBe(false); // already home
		// The run wraps past the table's end: hole 30, member at 1.
		expect(mayFillHole(30, 1, 29)).toBe(true);
		expect(mayFillHole(30, 1, 31)).toBe(false);
		expect(mayFillHole(30, 1, 0)).toBe(false);
		expect(mayFillHole(30, 1, 1)).toBe(false);
	});

	test("home slots take the top bits of a Fibonacci mix", () => {
		expect(homeSlot(0, BITS)).toBe(0);
		expect(homeSlot(1, BITS)).toBe(0x9e3779b1 >>> (32 - BITS));
		expect(homeSlot(0xffff_ffff, 4)).toBeLessThan(16);
	});

	test("every key left stays findable through inserts and backward-shift deletes", () => {
		fc.assert(
			fc.property(
				// Few distinct keys in a 32-slot table: at most half full, many collisions.
				fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 300 }),
				(ops) => {
					const keys = emptyKeys(BITS, EMPTY);
					const model = new Set<number>();
					for (const [insert, n] of ops) {
						const key = Math.imul(n, 0x01000193) >>> 0;
						if (insert && model.size < 16) {
							keys[findSlot(keys, BITS, key, EMPTY)] = key;
							model.add(key);
						} else if (!insert) {
							remove(keys, key);
							model.delete(key);
						}
						for (const held of model) expect(keys[findSlot(keys, BITS, held, EMPTY)]).toBe(held);
						expect(keys.filter((k) => k !== EMPTY).length).toBe(model.size);
					}
				},
			),
		);
	});

	test("reinsertAll moves each key with its value into a larger table", () => {
		const keys = emptyKeys(BITS, EMPTY);
		const values = new Uint16Array(1 << BITS);
		for (let n = 1; n <= 12; n++) {
			const slot = findSlot(keys, BITS, n * 7919, EMPTY);
			keys[slot] = n * 7919;
			values[slot] = n;
		}
		const bigger = emptyKeys(BITS + 1, EMPTY);
		const biggerValues = new Uint16Array(1 << (BITS + 1));
		reinsertAll(keys, values, bigger, biggerValues, BITS + 1, EMPTY);
		for (let n = 1; n <= 12; n++)
			expect(biggerValues[findSlot(bigger, BITS + 1, n * 7919, EMPTY)]).toBe(n);
		expect(bigger.filter((k) => k !== EMPTY).length).toBe(12);
	});
});
