/**
 * The split tuner's LRU setting (split-tuner.ts's SplitSetting.lru), in the shadow that
 * simulates it: it must be LRU exactly, and entering it from another setting must follow the
 * rules the tier and the replayer follow. What it buys the caches is tested on a workload in
 * split-robustness.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { mixHash } from "../../edge/policy/key-hash.ts";
import { LruPolicy } from "../../edge/policy/lru.ts";
import { RankedCache } from "../../edge/policy/ranked-cache.ts";
import { ShadowS3Fifo } from "../../edge/policy/shadow-s3-fifo.ts";
import { SPLIT_SETTINGS, type SplitSetting } from "../../edge/policy/split-tuner.ts";
import { syntheticIds } from "../../scripts/trace/synthetic.ts";

const LRU = SPLIT_SETTINGS.find((setting) => setting.lru) as SplitSetting;
const SMALL_HALF: SplitSetting = { smallShare: 0.5, mainGhost: false, ghostShare: 1, lru: false };

describe("the LRU setting", () => {
	test("is one of the tuner's settings, with no small FIFO", () => {
		expect(LRU).toEqual({ smallShare: 0, mainGhost: false, ghostShare: 1, lru: true });
	});

	test("its shadow hits and misses exactly as LRU, request by request", () => {
		for (const shape of ["lru-stack", "zipf", "loop-zipf"] as const) {
			const ids = syntheticIds(shape, 30_000, 5);
			const lru = new RankedCache(new LruPolicy(1024), 700, "LRU");
			const shadow = new ShadowS3Fifo(700, LRU);
			let disagreements = 0;
			for (const id of ids)
				if (lru.request(id, 1) !== shadow.request(mixHash(id), 1)) disagreements++;
			expect(disagreements).toBe(0);
			expect(shadow.count).toBe(700);
		}
	});

	test("entered from another setting: small joins main's newest end, and uses counted before earn one round", () => {
		const shadow = new ShadowS3Fifo(4, SMALL_HALF);
		for (const key of [1, 2, 3, 4, 1, 2]) shadow.request(key, 1);
		// Room for 5: small (1, 2, 3, 4) is past its half, 1 and 2 were used there and move to
		// main, 3 leaves. Then two uses of 2 in main.
		shadow.request(5, 1);
		for (const key of [2, 2]) expect(shadow.request(key, 1)).toBe(true);
		const lru = shadow.copy(LRU);
		const holding = (keys: number[]) => keys.map((key) => lru.holds(key));
		// Oldest to newest: 1, 2 (two uses), 4, 5. Room for 6: main's oldest leaves, not
		// small's newer 4 (draining small first would drop the newest arrivals).
		lru.request(6, 1);
		expect(holding([1, 4])).toEqual([false, true]);
		// 2 goes round once with its uses cleared (4 leaves), then 5 and 6 leave, then 2.
		for (const key of [7, 8, 9]) lru.request(key, 1);
		expect(holding([2, 4, 5, 6, 7])).toEqual([true, false, false, false, true]);
		lru.request(10, 1);
		expect(holding([2, 7, 8, 9, 10])).toEqual([false, true, true, true, true]);
		// From here plain LRU: a hit on 8 keeps it past 7 and 9.
		expect(lru.request(8, 1)).toBe(true);
		for (const key of [11, 12]) lru.request(key, 1);
		expect(holding([7, 8, 9, 10, 11, 12])).toEqual([false, true, false, true, true, true]);
		// The original, still S3-FIFO with small at half, went its own way: 4 is in its small.
		expect(shadow.holds(4)).toBe(true);
	});
});
