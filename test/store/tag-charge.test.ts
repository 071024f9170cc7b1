/**
 * Purge tags count against the tier's capacity, and the tag index keeps an entry's tags
 * only once (in its slot). Tags come from the origin (Cache-Tag, Surrogate-Key, up to 64 of
 * 256 characters an object); uncharged, a small object under unique tags held several
 * times its slot's bytes on the JS heap while the slots looked nearly empty.
 */
import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../edge/store/clock.ts";
import { IdMultimap } from "../../edge/store/id-multimap.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TAG_MEMBERSHIP_COST, tagCharge } from "../../edge/store/tag-charge.ts";
import { TsSlab } from "../../native/slab-ts.ts";

const MiB = 2 ** 20;
const body = new Uint8Array(16);
const tagsOf = (i: number) => Array.from({ length: 64 }, (_, t) => `${i}-${t}-${"t".repeat(240)}`);

/** A tier of 1 MiB capacity on a larger slab: the capacity, not the slab, is what binds. */
const mebibyteTier = () =>
	new MemoryTier({
		slab: new TsSlab({ capacityBytes: 8 * MiB }),
		capacityBytes: MiB,
		clock: new ManualClock(0),
	});

describe("the memory tier's charge for tags", () => {
	test("tiny objects under many long tags cannot hold more than the capacity", async () => {
		const tier = mebibyteTier();
		for (let i = 0; i < 400; i++)
			expect(tier.set(`/o/${i}`, body, { tags: tagsOf(i) }).stored).toBe(true);
		const { objects, bytes } = tier.stats();
		// Slots plus tag charges fit the capacity (one object's charge of slack: it is
		// charged when it is published, after its slot made room).
		expect(bytes + objects * tagCharge(tagsOf(0))).toBeLessThanOrEqual(MiB + tagCharge(tagsOf(0)));
		expect(objects).toBeGreaterThan(10);
		expect(objects).toBeLessThan(400);
		// The newest are kept, and a purge by one of their tags still finds them.
		expect(tier.has("/o/399")).toBe(true);
		expect(await tier.purge({ tag: tagsOf(399)[63] as string })).toBe(1);
	});

	test("entries that leave give their tags' charge back, whichever way they leave", async () => {
		const tier = mebibyteTier();
		const fits = () => {
			for (let i = 0; i < 20; i++) tier.set(`/o/${i}`, body, { tags: tagsOf(i) });
			return tier.stats().evictions;
		};
		expect(fits()).toBe(0);
		for (let i = 0; i < 10; i++) tier.delete(`/o/${i}`);
		for (let i = 10; i < 20; i++) await tier.purge({ tag: tagsOf(i)[0] as string });
		expect(fits()).toBe(0);
		// Replacing an object swaps its tags' charge for the new ones'.
		for (let round = 0; round < 5; round++)
			for (let i = 0; i < 20; i++) tier.set(`/o/${i}`, body, { tags: tagsOf(i + round) });
		expect(tier.stats().evictions).toBe(0);
		expect(tier.stats().objects).toBe(20);
	});
});

describe("IdMultimap", () => {
	test("a name with one entry keeps its id, a Set from the second, and back", () => {
		const index = new IdMultimap();
		index.add("t", 1);
		index.add("t", 1);
		expect(index.ids("t")).toEqual([1]);
		index.add("t", 2);
		index.add("t", 3);
		expect(index.ids("t").sort()).toEqual([1, 2, 3]);
		index.delete("t", 2);
		index.delete("t", 1);
		expect(index.ids("t")).toEqual([3]);
		index.delete("t", 9);
		expect(index.ids("t")).toEqual([3]);
		index.delete("t", 3);
		expect(index.ids("t")).toEqual([]);
		expect(index.size).toBe(0);
		index.delete("never", 1);
		expect(index.size).toBe(0);
	});

	test("tagCharge counts each membership and its characters", () => {
		expect(tagCharge([])).toBe(0);
		expect(tagCharge(["ab", "c"])).toBe(2 * TAG_MEMBERSHIP_COST + 3);
	});
});
