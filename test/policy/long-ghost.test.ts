/**
 * The tuner's setting with a small ghost twice as long (split-tuner.ts): objects reused
 * between one and two cache-lengths apart are forgotten by a ghost as long as the cache just
 * before they return, so every return is a miss; the longer ghost sees them back into main.
 * Both implementations run: the replayer's S3FifoCache and the tier's S3FifoPolicy (driven as
 * the tier drives it).
 */
import { describe, expect, test } from "bun:test";
import { LruPolicy } from "../../edge/policy/lru.ts";
import { RankedCache } from "../../edge/policy/ranked-cache.ts";
import { S3FifoCache } from "../../edge/policy/s3-fifo.ts";
import { S3FifoPolicy } from "../../edge/policy/s3-fifo-policy.ts";
import type { SizedCachePolicy } from "../../edge/policy/sized-cache.ts";
import type { SplitMode, SplitSetting } from "../../edge/policy/split-tuner.ts";

const CAPACITY = 1000;
const WARM_KEYS = 450;
/** New keys between two warm ones: a warm key returns after 5 x 450 = 2.25 cache-lengths. */
const FRESH_PER_WARM = 4;
const ROUNDS = 60;

/** 450 warm keys in turn, each followed by 4 keys never seen again. */
function warmBetweenFresh(): number[] {
	const ids: number[] = [];
	let fresh = 1_000_000;
	for (let round = 0; round < ROUNDS; round++) {
		for (let warm = 0; warm < WARM_KEYS; warm++) {
			ids.push(warm);
			for (let i = 0; i < FRESH_PER_WARM; i++) ids.push(fresh++);
		}
	}
	return ids;
}

function misses(ids: readonly number[], policy: SizedCachePolicy): number {
	return ids.reduce((sum, id) => sum + (policy.request(id, 1) ? 0 : 1), 0);
}

interface Contender {
	readonly cache: SizedCachePolicy;
	readonly setting: () => SplitSetting;
}

const implementations: Record<string, (split: SplitMode) => Contender> = {
	"replayer (S3FifoCache)": (split) => {
		const cache = new S3FifoCache(CAPACITY, { split });
		return { cache, setting: () => cache.setting };
	},
	"tier (S3FifoPolicy)": (split) => {
		const policy = new S3FifoPolicy({ split });
		return {
			cache: new RankedCache(policy, CAPACITY, "S3-FIFO"),
			setting: () => policy.setting,
		};
	},
};

const ids = warmBetweenFresh();
const everyRequest = ids.length;

describe("warm keys reused 2.25 cache-lengths apart", () => {
	test("LRU and a ghost as long as the cache miss every request", () => {
		expect(misses(ids, new RankedCache(new LruPolicy(1024), CAPACITY, "LRU"))).toBe(everyRequest);
		const paper = new S3FifoCache(CAPACITY, { split: "fixed", ghostShare: 1 });
		expect(misses(ids, paper)).toBe(everyRequest);
	});

	test("a ghost twice as long brings them back into main: nearly every warm return hits", () => {
		const long = new S3FifoCache(CAPACITY, { split: "fixed", ghostShare: 2 });
		const warmReturns = WARM_KEYS * (ROUNDS - 1);
		expect(everyRequest - misses(ids, long)).toBeGreaterThan(warmReturns * 0.95);
	});

	for (const [name, make] of Object.entries(implementations)) {
		test(`${name}: the tuner takes the longer ghost and most warm returns hit`, () => {
			const fixed = make("fixed");
			const tuned = make("tuned");
			expect(misses(ids, fixed.cache)).toBe(everyRequest);
			const warmReturns = WARM_KEYS * (ROUNDS - 1);
			expect(everyRequest - misses(ids, tuned.cache)).toBeGreaterThan(warmReturns * 0.9);
			expect(tuned.setting().ghostShare).toBe(2);
		});
	}
});
