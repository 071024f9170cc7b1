/**
 * Keys count against the tier's capacity. They come from clients (the URL, the Vary fields
 * a variant is keyed by), and without a charge a flood of tiny objects under long keys held
 * many times the tier's capacity on the JS heap while the slots looked nearly empty.
 */
import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../edge/store/clock.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";

const MiB = 2 ** 20;
const KEY_LENGTH = 8_000;
const pad = "k".repeat(KEY_LENGTH);
const body = new Uint8Array(16);

/** A tier of 1 MiB capacity on a larger slab: the capacity, not the slab, is what binds. */
const mebibyteTier = () =>
	new MemoryTier({
		slab: new TsSlab({ capacityBytes: 4 * MiB }),
		capacityBytes: MiB,
		clock: new ManualClock(0),
	});

describe("the memory tier's charge for keys", () => {
	test("long keys of tiny objects cannot hold more than the capacity", () => {
		const tier = mebibyteTier();
		for (let i = 0; i < 1_000; i++) expect(tier.set(`${i}:${pad}`, body).stored).toBe(true);
		const { objects, bytes } = tier.stats();
		// Each object holds a slot and its key, charged past the first 256 characters: together
		// no more than the capacity.
		expect(bytes + objects * (KEY_LENGTH + 4 - 256)).toBeLessThanOrEqual(MiB);
		expect(objects).toBeGreaterThan(100);
		// The newest are kept: eviction made the room.
		expect(tier.get(`999:${pad}`)).toEqual(body);
	});

	test("a removed entry gives its key's charge back", () => {
		const tier = mebibyteTier();
		for (let round = 0; round < 3; round++) {
			for (let i = 0; i < 100; i++) tier.set(`${i}:${pad}`, body);
			for (let i = 0; i < 100; i++) tier.delete(`${i}:${pad}`);
		}
		// Nothing left charged: as many fit as in an empty tier.
		for (let i = 0; i < 100; i++) tier.set(`${i}:${pad}`, body);
		expect(tier.stats().objects).toBe(100);
		expect(tier.stats().evictions).toBe(0);
	});
});
