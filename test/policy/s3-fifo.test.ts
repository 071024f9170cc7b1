import { describe, expect, test } from "bun:test";
import { LruPolicy } from "../../edge/policy/lru.ts";
import { RankedCache } from "../../edge/policy/ranked-cache.ts";
import { S3FifoCache } from "../../edge/policy/s3-fifo.ts";
import type { SizedCachePolicy } from "../../edge/policy/sized-cache.ts";
import { syntheticIds } from "../../scripts/trace/synthetic.ts";

/** `count` new ids from `first`, each requested twice in a row. */
function reusedOnce(first: number, count: number): number[] {
	return Array.from({ length: count }, (_, i) => [first + i, first + i]).flat();
}

/** Requests each id with size 1 and returns which were hits. */
function requestAll(cache: S3FifoCache, ids: readonly number[]): boolean[] {
	return ids.map((id) => cache.request(id, 1));
}

describe("S3FifoCache", () => {
	test("a reused object moves to main while a one-hit wonder goes to the ghost", () => {
		const cache = new S3FifoCache(10);
		requestAll(cache, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		expect(cache.request(1, 1)).toBe(true);
		// Full: small is over its 10% share, so its oldest leave: 1 (reused) to main, 2 dropped.
		expect(cache.request(11, 1)).toBe(false);
		expect(cache.holds(1)).toBe(true);
		expect(cache.holds(2)).toBe(false);
		expect(cache.used).toBe(10);
	});

	test("a miss remembered by the ghost goes straight to main and survives a scan", () => {
		const cache = new S3FifoCache(10);
		requestAll(cache, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
		expect(cache.holds(1)).toBe(false);
		expect(cache.request(1, 1)).toBe(false);
		// A scan of new ids cycles through small only; 1 now lives in main.
		requestAll(cache, [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
		expect(cache.holds(1)).toBe(true);
		expect(cache.request(1, 1)).toBe(true);
	});

	test("main gives reused objects another round before evicting them", () => {
		const cache = new S3FifoCache(4, { smallShare: 0.25 });
		requestAll(cache, [1, 2, 3, 4, 1, 2]);
		// 5 evicts 1 and 2 from small into main (both reused), then drops 3.
		requestAll(cache, [5]);
		expect([1, 2, 3, 4, 5].map((id) => cache.holds(id))).toEqual([true, true, false, true, true]);
	});

	test("ghost hits: a miss on an object small dropped grows small's target", () => {
		const cache = new S3FifoCache(100, { split: "ghost-hits" });
		requestAll(
			cache,
			Array.from({ length: 101 }, (_, id) => id),
		); // 0 leaves small unused
		expect(cache.holds(0)).toBe(false);
		expect(cache.smallTarget).toBe(10);
		expect(cache.request(0, 1)).toBe(false);
		expect(cache.holds(0)).toBe(true);
		expect(cache.smallTarget).toBe(11);
	});

	test("ghost hits: an object main evicted comes back into main and shrinks small's target", () => {
		const cache = new S3FifoCache(10, { split: "ghost-hits" });
		requestAll(cache, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]); // 1 to the small ghost
		requestAll(cache, [1]); // back from the ghost into main; small grows to 2
		expect(cache.smallTarget).toBe(2);
		// Objects used twice each move to main until 1 (never used there) is pushed out of it.
		for (let id = 20; cache.holds(1) && id < 100; id++) requestAll(cache, [id, id]);
		expect(cache.holds(1)).toBe(false);
		expect(cache.request(1, 1)).toBe(false);
		expect(cache.smallTarget).toBeLessThan(2);
		// It came back into main, so a scan of new objects does not drop it.
		requestAll(cache, [60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70]);
		expect(cache.holds(1)).toBe(true);
	});

	test("fixed is the paper's S3-FIFO: a fixed split, main forgets what it evicts", () => {
		const cache = new S3FifoCache(10, { split: "fixed" });
		requestAll(cache, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1]);
		expect(cache.smallTarget).toBe(1);
		requestAll(cache, reusedOnce(20, 20));
		expect(cache.holds(1)).toBe(false);
		expect(cache.request(1, 1)).toBe(false);
		expect(cache.smallTarget).toBe(1);
		// Not remembered: it starts in small again, so a scan of new objects drops it.
		requestAll(cache, [60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70]);
		expect(cache.holds(1)).toBe(false);
	});

	test("on objects reused a while after they arrive, the moving split keeps up with LRU where the fixed one falls behind", () => {
		// A popular set plus new objects, half asked for once more soon after.
		const ids = syntheticIds("fresh-reuse", 100_000, 5);
		const capacity = Math.floor(new Set(ids).size * 0.02);
		const misses = (policy: SizedCachePolicy) =>
			ids.reduce((sum, id) => sum + (policy.request(id, 1) ? 0 : 1), 0);
		const lru = misses(new RankedCache(new LruPolicy(1024), capacity, "LRU"));
		const fixed = misses(new S3FifoCache(capacity, { split: "fixed", ghostShare: 0.9 }));
		expect(fixed).toBeGreaterThan(lru * 1.03);
		for (const split of ["ghost-hits", "tuned"] as const) {
			const moving = misses(new S3FifoCache(capacity, { split }));
			expect(moving).toBeLessThan(lru * 1.005);
			expect(moving).toBeLessThan(fixed * 0.96);
		}
	});

	test("refuses an object larger than the whole cache", () => {
		const cache = new S3FifoCache(100);
		expect(cache.request(1, 101)).toBe(false);
		expect(cache.holds(1)).toBe(false);
		expect(cache.used).toBe(0);
	});
});
