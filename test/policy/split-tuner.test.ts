import { heapStats } from "bun:jsc";
import { describe, expect, test } from "bun:test";
import { mixHash } from "../../edge/policy/key-hash.ts";
import { SPLIT_SETTINGS, SplitTuner } from "../../edge/policy/split-tuner.ts";
import { syntheticIds } from "../../scripts/trace/synthetic.ts";

const hashes = Array.from({ length: 80_000 }, (_, i) => mixHash(i * 7 + 1));

/** Feeds a synthetic trace's sampled requests to a tuner sized for `capacity` objects. */
function tuned(ids: readonly number[], capacity: number): SplitTuner {
	const tuner = new SplitTuner();
	tuner.scale(capacity, capacity);
	for (const id of ids) {
		const hash = mixHash(id);
		if (tuner.sampled(hash)) tuner.request(hash, 1);
	}
	return tuner;
}

describe("SplitTuner (S3-FIFO's split chosen by miniature simulations)", () => {
	test("below twice the floor every key is sampled; above, a power of 1/2 of them", () => {
		const tuner = new SplitTuner({ sampleFloor: 100 });
		tuner.scale(150, 150);
		expect(tuner.shift).toBe(0);
		expect(hashes.every((hash) => tuner.sampled(hash))).toBe(true);
		tuner.scale(1000, 1000); // 1000 / 8 = 125 objects per shadow: between 1 and 2 floors
		expect(tuner.shift).toBe(3);
		const share = hashes.filter((hash) => tuner.sampled(hash)).length / hashes.length;
		expect(share).toBeGreaterThan(0.125 * 0.9);
		expect(share).toBeLessThan(0.125 * 1.1);
	});

	test("a lower rate samples a subset of the keys a higher one did (so shadows can keep them)", () => {
		const tuner = new SplitTuner({ sampleFloor: 100 });
		tuner.scale(1000, 1000);
		const before = hashes.filter((hash) => tuner.sampled(hash));
		tuner.scale(4000, 4000);
		expect(tuner.shift).toBe(5);
		const after = hashes.filter((hash) => tuner.sampled(hash));
		expect(after.length).toBeLessThan(before.length / 3);
		expect(after.every((hash) => before.includes(hash))).toBe(true);
	});

	test("the rate goes back up only below half the floor, so a cache near a boundary does not flap", () => {
		const tuner = new SplitTuner({ sampleFloor: 100 });
		tuner.scale(1000, 1000);
		expect(tuner.scale(700, 700)).toBe(false); // 700 / 8 = 87: under the floor, not under half
		expect(tuner.shift).toBe(3);
		expect(tuner.scale(300, 300)).toBe(true); // 300 / 8 = 37 is: back to 300 / 4 = 75
		expect(tuner.shift).toBe(2);
	});

	test("keeps the starting split (10% with main's ghost) while the simulations agree", () => {
		const tuner = new SplitTuner();
		tuner.scale(1_000_000, 1_000_000);
		// Fewer sampled keys than a shadow holds: no shadow evicts, so all miss alike.
		for (const hash of hashes) if (tuner.sampled(hash)) tuner.request(hash, 1);
		expect(tuner.setting).toEqual(SPLIT_SETTINGS[1] as (typeof SPLIT_SETTINGS)[number]);
		expect(tuner.setting).toEqual({ smallShare: 0.1, mainGhost: true, ghostShare: 1, lru: false });
	});

	test("while the capacity is unknown one simulation stands for every setting, bounded by the floor", () => {
		const tuner = new SplitTuner();
		// The memory tier before its first eviction: it grows, and no count of entries is full.
		for (let i = 0; i < 200_000; i++) {
			tuner.scale(i + 1, Number.POSITIVE_INFINITY);
			const hash = mixHash(i);
			if (tuner.sampled(hash)) tuner.request(hash, 1);
		}
		expect(tuner.simulations).toBe(1);
		expect(tuner.simulatedObjects).toBeGreaterThan(2000);
		expect(tuner.simulatedObjects).toBeLessThanOrEqual(4000);
	});

	test("the request that brings a capacity reaches every setting's copy of the simulation", () => {
		const tuner = new SplitTuner({ sampleFloor: 100 });
		for (let i = 0; i < 150; i++) {
			tuner.scale(i + 1, Number.POSITIVE_INFINITY);
			tuner.request(mixHash(i), 1); // under twice the floor every key is sampled
		}
		tuner.scale(151, 151);
		tuner.request(mixHash(150), 1);
		expect(tuner.simulations).toBe(SPLIT_SETTINGS.length);
		expect(tuner.simulatedObjects).toBe(151 * SPLIT_SETTINGS.length);
	});

	test("scale() allocates nothing per call: it runs on every insert of the memory tier", () => {
		const tuner = new SplitTuner();
		for (let i = 0; i < 1000; i++) tuner.scale(i + 1, Number.POSITIVE_INFINITY);
		Bun.gc(true);
		// JSC's name for a scope object; if an engine upgrade renames it, say so rather than pass.
		expect(heapStats().objectTypeCounts.JSLexicalEnvironment).toBeGreaterThan(0);
		const scopes = () => heapStats().objectTypeCounts.JSLexicalEnvironment ?? 0;
		const before = scopes();
		for (let i = 1000; i < 21_000; i++) tuner.scale(i + 1, Number.POSITIVE_INFINITY);
		// An arrow written inside scale() made JSC allocate a scope object on every call.
		expect(scopes() - before).toBeLessThan(1000);
	});

	test("popularity that fades with age takes it to a long small FIFO", () => {
		const tuner = tuned(syntheticIds("age-decay", 100_000, 1), 5000);
		expect(tuner.setting.smallShare).toBeGreaterThanOrEqual(0.5);
	});

	test("a fixed popularity law takes it to a short small FIFO", () => {
		const tuner = tuned(syntheticIds("zipf", 100_000, 1), 500);
		expect(tuner.setting.smallShare).toBeLessThanOrEqual(0.1);
	});
});
