import { describe, expect, test } from "bun:test";
import { WTinyLfuCache } from "../../edge/policy/w-tinylfu.ts";

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("WTinyLfuCache", () => {
	test("frequently used objects survive a scan of one-time objects", () => {
		const cache = new WTinyLfuCache(10, {
			adaptive: false,
			windowShare: 0.1,
			capacityInObjects: 1000,
		});
		for (let round = 0; round < 5; round++) for (const id of range(1, 10)) cache.request(id, 1);
		for (const id of range(100, 200)) cache.request(id, 1);
		expect(range(1, 10).every((id) => cache.holds(id))).toBe(true);
		expect(cache.holds(199)).toBe(true);
		expect(cache.holds(150)).toBe(false);
	});

	test("a candidate more popular than the victim replaces it", () => {
		const cache = new WTinyLfuCache(3, {
			adaptive: false,
			windowShare: 0,
			capacityInObjects: 1000,
		});
		for (const id of [1, 2, 3]) cache.request(id, 1);
		// 4 is requested often while out of the cache; once it beats the victim it gets in.
		for (let i = 0; i < 4; i++) cache.request(4, 1);
		expect(cache.holds(4)).toBe(true);
		expect(cache.holds(1)).toBe(false);
		expect(cache.used).toBe(3);
	});

	test("a tie keeps the victim: admission needs strictly higher frequency", () => {
		const cache = new WTinyLfuCache(2, {
			adaptive: false,
			windowShare: 0,
			capacityInObjects: 1000,
		});
		cache.request(1, 1);
		cache.request(2, 1);
		expect(cache.request(3, 1)).toBe(false);
		expect([cache.holds(1), cache.holds(2), cache.holds(3)]).toEqual([true, true, false]);
	});

	test("the adaptive window moves when the hit ratio changes", () => {
		const cache = new WTinyLfuCache(100, { climber: { sampleFactor: 1 } });
		const start = cache.windowTarget;
		for (let i = 0; i < 5000; i++) cache.request(i % 150, 1);
		expect(cache.windowTarget).not.toBe(start);
		expect(cache.used).toBeLessThanOrEqual(100);
	});
});
