import { describe, expect, test } from "bun:test";
import { Prng } from "../../cluster/sim/prng.ts";

describe("Prng (xoshiro128** seeded by splitmix32)", () => {
	test("matches reference outputs computed independently of this code", () => {
		// From a separate implementation of splitmix32 + xoshiro128** (arbitrary precision
		// integers masked to 32 bits), so sign and overflow slips in the JS would show.
		const first = (seed: number) => {
			const rng = new Prng(seed);
			return Array.from({ length: 5 }, () => rng.nextUint32());
		};
		expect(first(1)).toEqual([2442144158, 3238099751, 3819917871, 2104621829, 2021136066]);
		expect(first(0xdeadbeef)).toEqual([2306529437, 2576298207, 1250671110, 2699168992, 2319502352]);
	});

	test("same seed, same sequence; another seed, another sequence", () => {
		const a = new Prng(42);
		const b = new Prng(42);
		const c = new Prng(43);
		const seqA = Array.from({ length: 100 }, () => a.next());
		expect(Array.from({ length: 100 }, () => b.next())).toEqual(seqA);
		expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(seqA);
	});

	test("next() is in [0, 1), int() covers both bounds and nothing else", () => {
		const rng = new Prng(7);
		const seen = new Set<number>();
		for (let i = 0; i < 10_000; i++) {
			const x = rng.next();
			expect(x >= 0 && x < 1).toBe(true);
			seen.add(rng.int(3, 6));
		}
		expect([...seen].sort()).toEqual([3, 4, 5, 6]);
	});

	test("uniform enough: chi-square of 16 buckets below the 0.1% critical value", () => {
		const rng = new Prng(2024);
		const buckets = new Array<number>(16).fill(0);
		const n = 160_000;
		for (let i = 0; i < n; i++) {
			const b = Math.floor(rng.next() * 16);
			buckets[b] = (buckets[b] as number) + 1;
		}
		const expected = n / 16;
		const chiSquare = buckets.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
		expect(chiSquare).toBeLessThan(37.7); // 15 degrees of freedom, p = 0.001
	});

	test("forks are deterministic and independent of their parent's later draws", () => {
		const parent = new Prng(9);
		const child = parent.fork();
		const again = new Prng(9).fork();
		const childSeq = Array.from({ length: 10 }, () => child.nextUint32());
		expect(Array.from({ length: 10 }, () => again.nextUint32())).toEqual(childSeq);
		expect(Array.from({ length: 10 }, () => parent.nextUint32())).not.toEqual(childSeq);
	});

	test("pick() refuses an empty list; chance(0) never, chance(1) always", () => {
		const rng = new Prng(1);
		expect(() => rng.pick([])).toThrow("empty");
		for (let i = 0; i < 100; i++) {
			expect(rng.chance(0)).toBe(false);
			expect(rng.chance(1)).toBe(true);
		}
	});
});
