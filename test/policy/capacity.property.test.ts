import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LruPolicy } from "../../edge/policy/lru.ts";
import { RankedCache } from "../../edge/policy/ranked-cache.ts";
import { S3FifoCache } from "../../edge/policy/s3-fifo.ts";
import type { SizedCachePolicy } from "../../edge/policy/sized-cache.ts";
import { WTinyLfuCache } from "../../edge/policy/w-tinylfu.ts";

const policies: Record<string, (capacity: number) => SizedCachePolicy> = {
	lru: (capacity) => new RankedCache(new LruPolicy(4), capacity),
	"s3-fifo": (capacity) => new S3FifoCache(capacity),
	"w-tinylfu": (capacity) => new WTinyLfuCache(capacity, { adaptive: false }),
	"w-tinylfu-adaptive": (capacity) =>
		new WTinyLfuCache(capacity, { climber: { sampleFactor: 0.5, stepShare: 0.25 } }),
};

/** Sizes are fixed per id, as in the traces, so `sizeOf` derives one from the id. */
function check(makePolicy: (capacity: number) => SizedCachePolicy, bytes: boolean) {
	fc.assert(
		fc.property(
			fc.integer({ min: 1, max: 60 }),
			fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 400 }),
			(capacity, ids) => {
				const cache = makePolicy(capacity);
				const sizeOf = (id: number) => (bytes ? 1 + ((id * 7) % 13) : 1);
				const sizes = new Map<number, number>();
				for (const id of ids) {
					const wasHeld = cache.holds(id);
					expect(cache.request(id, sizeOf(id))).toBe(wasHeld);
					sizes.set(id, sizeOf(id));
					expect(cache.used).toBeLessThanOrEqual(capacity);
					let held = 0;
					for (const [known, size] of sizes) if (cache.holds(known)) held += size;
					expect(held).toBe(cache.used);
				}
			},
		),
		{ numRuns: 150 },
	);
}

describe("no policy ever holds more than its capacity", () => {
	for (const [name, makePolicy] of Object.entries(policies)) {
		test(`${name}, object count`, () => check(makePolicy, false));
		test(`${name}, bytes`, () => check(makePolicy, true));
	}
});
