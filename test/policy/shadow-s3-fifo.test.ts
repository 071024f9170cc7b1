import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mixHash } from "../../edge/policy/key-hash.ts";
import { S3FifoCache } from "../../edge/policy/s3-fifo.ts";
import { ShadowS3Fifo } from "../../edge/policy/shadow-s3-fifo.ts";
import type { SplitSetting } from "../../edge/policy/split-tuner.ts";
import { syntheticIds } from "../../scripts/trace/synthetic.ts";

function setting(smallShare: number, mainGhost: boolean, ghostShare = 1): SplitSetting {
	return { smallShare, mainGhost, ghostShare, lru: false };
}

describe("ShadowS3Fifo (the split tuner's miniature S3-FIFO over key hashes)", () => {
	test("a reused key moves to main, a one-hit wonder goes to the ghost and comes back into main", () => {
		const shadow = new ShadowS3Fifo(4, setting(0.25, false));
		for (const hash of [1, 2, 3, 4]) expect(shadow.request(hash, 1)).toBe(false);
		expect(shadow.request(1, 1)).toBe(true);
		// Full: 1 (used) moves to main, 2 leaves into the ghost.
		expect(shadow.request(5, 1)).toBe(false);
		expect([1, 2, 3, 4, 5].map((hash) => shadow.holds(hash))).toEqual([
			true,
			false,
			true,
			true,
			true,
		]);
		expect(shadow.request(2, 1)).toBe(false);
		// Back from the ghost into main: a scan of new keys through small leaves it alone.
		for (let hash = 10; hash < 20; hash++) shadow.request(hash, 1);
		expect(shadow.holds(2)).toBe(true);
	});

	test("misses as the replayer's S3-FIFO with the same fixed split and ghost length, within a few in a thousand", () => {
		const ids = syntheticIds("zipf", 50_000, 3);
		for (const [share, ghostShare] of [
			[0.01, 1],
			[0.1, 1],
			[0.5, 1],
			[0.1, 2],
		] as const) {
			const cache = new S3FifoCache(500, { split: "fixed", smallShare: share, ghostShare });
			const shadow = new ShadowS3Fifo(500, setting(share, false, ghostShare));
			let cacheMisses = 0;
			let shadowMisses = 0;
			for (const id of ids) {
				if (!cache.request(id, 1)) cacheMisses++;
				if (!shadow.request(mixHash(id), 1)) shadowMisses++;
			}
			// The ghosts differ in one detail: a stale slot in the shadow's may forget a key early.
			expect(Math.abs(shadowMisses - cacheMisses)).toBeLessThan(cacheMisses * 0.003);
		}
	});

	test("looks a ghost hit up after evicting for it, as the replayer and the tier do", () => {
		// Capacity 10, keys 1-30 once: 1-20 left small for its ghost, which holds the last 10.
		// Key 11 returns: making room for it drops 21 into the ghost and pushes 11 out, so it
		// starts in small (the tier evicts before it inserts, so it cannot look first); key 12
		// is still remembered and starts in main. 15 new keys then leave only main's entry.
		const startsInMain = (key: number): boolean => {
			const shadow = new ShadowS3Fifo(10, setting(0.1, false));
			for (let hash = 1; hash <= 30; hash++) shadow.request(hash, 1);
			expect(shadow.request(key, 1)).toBe(false);
			for (let hash = 100; hash < 115; hash++) shadow.request(hash, 1);
			return shadow.holds(key);
		};
		expect(startsInMain(12)).toBe(true);
		expect(startsInMain(11)).toBe(false);
	});

	test("ghostShare 2 remembers twice as many dropped keys: a key back 2.25 cache-lengths later starts in main", () => {
		// 45 warm keys in turn, each followed by 4 keys never seen again, in a cache of 100.
		const hits = (ghostShare: number) => {
			const shadow = new ShadowS3Fifo(100, setting(0.1, false, ghostShare));
			let fresh = 1_000;
			let count = 0;
			for (let round = 0; round < 40; round++) {
				for (let warm = 0; warm < 45; warm++) {
					if (shadow.request(warm, 1)) count++;
					for (let i = 0; i < 4; i++) shadow.request(fresh++, 1);
				}
			}
			return count;
		};
		expect(hits(1)).toBe(0);
		expect(hits(2)).toBeGreaterThan(45 * 39 * 0.95);
	});

	test("an admission never takes it past its capacity, with any sizes and capacity changes", () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.record({
						key: fc.nat(50),
						size: fc.integer({ min: 1, max: 9 }),
						capacity: fc.nat(40),
					}),
					{ maxLength: 300 },
				),
				fc.boolean(),
				(requests, mainGhost) => {
					const shadow = new ShadowS3Fifo(20, setting(0.2, mainGhost));
					for (const { key, size, capacity } of requests) {
						if (key % 7 === 0) shadow.capacity = capacity;
						const wasHeld = shadow.holds(key);
						expect(shadow.request(key, size)).toBe(wasHeld);
						// A smaller capacity is taken lazily, by the evictions of the next admission.
						if (!wasHeld && shadow.holds(key))
							expect(shadow.weight).toBeLessThanOrEqual(shadow.capacity);
					}
				},
			),
			{ numRuns: 150 },
		);
	});

	test("until one evicts, shadows of any split hold the same; a copy then runs as its split would", () => {
		const ids = syntheticIds("zipf", 60_000, 2).map((id) => mixHash(id));
		const unbounded = Number.POSITIVE_INFINITY;
		const shared = new ShadowS3Fifo(unbounded, setting(0.1, true));
		const own = new ShadowS3Fifo(unbounded, setting(0.9, false));
		const keepEven = (hash: number) => hash % 2 === 0;
		for (const [at, hash] of ids.slice(0, 20_000).entries()) {
			if (at === 10_000) for (const shadow of [shared, own]) shadow.retain(keepEven);
			expect(shared.request(hash, 1)).toBe(own.request(hash, 1));
		}
		const copy = shared.copy(setting(0.9, false));
		for (const shadow of [own, copy, shared]) shadow.capacity = 2000;
		for (const hash of ids.slice(20_000)) {
			expect(copy.request(hash, 1)).toBe(own.request(hash, 1));
			shared.request(hash, 1); // the original goes its own way and leaves the copy alone
		}
		expect(copy.count).toBe(own.count);
		expect(copy.weight).toBe(own.weight);
	});

	test("retain keeps the chosen keys in their order and forgets the rest, ghosts included", () => {
		const shadow = new ShadowS3Fifo(6, setting(0.5, true));
		for (let hash = 1; hash <= 12; hash++) shadow.request(hash, 1); // 1-6 go to the ghost
		shadow.retain((hash) => hash % 2 === 0);
		expect(shadow.count).toBe(3);
		expect([7, 8, 9, 10, 11, 12].filter((hash) => shadow.holds(hash))).toEqual([8, 10, 12]);
		expect(shadow.request(1, 1)).toBe(false); // forgotten: a new key, into small
		expect(shadow.request(2, 1)).toBe(false); // remembered: into main
		for (let hash = 100; hash < 110; hash++) shadow.request(hash, 1);
		expect(shadow.holds(2)).toBe(true);
		expect(shadow.holds(1)).toBe(false);
	});
});
