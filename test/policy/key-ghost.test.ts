import { describe, expect, test } from "bun:test";
import { KeyGhost } from "../../edge/policy/key-ghost.ts";

describe("KeyGhost", () => {
	test("remembers a hash until it is forgotten once", () => {
		const ghost = new KeyGhost();
		ghost.remember(7, 10);
		expect(ghost.forget(7)).toBe(true);
		expect(ghost.forget(7)).toBe(false);
		expect(ghost.forget(8)).toBe(false);
	});

	test("a hash remembered twice is forgotten twice", () => {
		const ghost = new KeyGhost();
		ghost.remember(7, 10);
		ghost.remember(7, 10);
		expect(ghost.forget(7)).toBe(true);
		expect(ghost.forget(7)).toBe(true);
		expect(ghost.forget(7)).toBe(false);
	});

	test("holds at most `limit` live hashes, dropping the oldest, and follows a limit that changes", () => {
		const ghost = new KeyGhost();
		for (let hash = 0; hash < 5000; hash++) ghost.remember(hash, 2000);
		expect(ghost.length).toBe(2000);
		expect(ghost.forget(2999)).toBe(false);
		expect(ghost.forget(3000)).toBe(true);
		expect(ghost.forget(4999)).toBe(true);
		// A shorter limit drops the oldest at the next insert, down to it: 5000 and the 99
		// newest still remembered (4900-4998, 4999 was forgotten above).
		ghost.remember(5000, 100);
		expect(ghost.length).toBe(100);
		expect(ghost.forget(4899)).toBe(false);
		expect(ghost.forget(4900)).toBe(true);
	});

	test.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
		"a limit of %p is refused, and the ghost is left as it was",
		(limit) => {
			const ghost = new KeyGhost();
			ghost.remember(1, 10);
			expect(() => ghost.remember(2, limit)).toThrow(RangeError);
			expect(ghost.length).toBe(1);
			expect(ghost.forget(2)).toBe(false);
			expect(ghost.forget(1)).toBe(true);
		},
	);

	test("forgotten hashes leave stale slots, yet the ring stays within twice the limit", () => {
		const ghost = new KeyGhost();
		for (let hash = 0; hash < 10_000; hash++) {
			ghost.remember(hash, 50);
			if (hash % 2 === 0) expect(ghost.forget(hash)).toBe(true);
		}
		expect(ghost.length).toBeLessThanOrEqual(50);
		expect(ghost.forget(9999)).toBe(true);
		expect(ghost.forget(9001)).toBe(false);
	});

	test("retain forgets refused hashes and a copy goes its own way", () => {
		const ghost = new KeyGhost();
		for (let hash = 1; hash <= 10; hash++) ghost.remember(hash, 10);
		const twin = ghost.copy();
		ghost.retain((hash) => hash % 2 === 0);
		expect(ghost.length).toBe(5);
		expect(ghost.forget(3)).toBe(false);
		expect(ghost.forget(4)).toBe(true);
		expect(twin.length).toBe(10);
		expect(twin.forget(3)).toBe(true);
	});
});
