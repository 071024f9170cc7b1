import { expect, test } from "bun:test";
import { HashRing } from "../../edge/policy/hash-ring.ts";

function drain(ring: HashRing): number[] {
	const out: number[] = [];
	while (ring.length > 0) out.push(ring.shift());
	return out;
}

test("first in, first out, doubling when a push finds it full, across the wrap", () => {
	const ring = new HashRing(2);
	ring.push(1);
	ring.push(2);
	expect(ring.shift()).toBe(1);
	ring.push(3); // wraps
	expect(ring.slots).toBe(2);
	ring.push(4); // full: doubles, order kept
	expect(ring.slots).toBe(4);
	expect(drain(ring)).toEqual([2, 3, 4]);
});

test("retain keeps the accepted in order and hands over the rest, keeping its slots", () => {
	const ring = new HashRing(4);
	for (const hash of [1, 2, 3, 4]) ring.push(hash);
	ring.shift();
	ring.push(5);
	const dropped: number[] = [];
	ring.retain(
		(hash) => hash % 2 === 1,
		(hash) => dropped.push(hash),
	);
	expect(dropped).toEqual([2, 4]);
	expect(ring.slots).toBe(4);
	expect(drain(ring)).toEqual([3, 5]);
});
