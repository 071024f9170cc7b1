import { describe, expect, test } from "bun:test";
import { S3FifoCache } from "../../edge/policy/s3-fifo.ts";

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

	test("refuses an object larger than the whole cache", () => {
		const cache = new S3FifoCache(100);
		expect(cache.request(1, 101)).toBe(false);
		expect(cache.holds(1)).toBe(false);
		expect(cache.used).toBe(0);
	});
});
