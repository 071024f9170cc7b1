/**
 * Purging a URL purges its key and the prefix `key + NUL` (its variants and part). The
 * memory tier answers such a prefix from its index of key families instead of reading
 * every key; these tests hold that index to the full scan it replaces, whatever the tier
 * did meanwhile (replacements, evictions, pinned entries, purges).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ManualClock } from "../../edge/store/clock.ts";
import {
	FAMILY_MEMBERSHIP_COST,
	familyCharge,
	familyOf,
	familyOfPrefix,
} from "../../edge/store/key-families.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import type { CachedObject } from "../../edge/store/storage.ts";
import { TsSlab } from "../../native/slab-ts.ts";

const KiB = 1024;
const MiB = 2 ** 20;
const body = new Uint8Array(100);

const tierOf = (capacityBytes: number) =>
	new MemoryTier({
		slab: new TsSlab({ capacityBytes: 8 * MiB }),
		capacityBytes,
		clock: new ManualClock(0),
	});

/** What a prefix matches, read the slow way: every key, filtered (a prefix without NUL). */
async function scanned(tier: MemoryTier, prefix: string): Promise<string[]> {
	return (await tier.keys({ prefix: "" })).filter((key) => key.startsWith(prefix)).sort();
}

describe("key families", () => {
	test("a key's family is its text before the first NUL; a key without one has none", () => {
		expect(familyOf('https://a/x\u0000{"accept":"x"}')).toBe("https://a/x");
		expect(familyOf("https://a/x\u0000v\u0000part")).toBe("https://a/x");
		expect(familyOf("\u0000part")).toBe("");
		expect(familyOf("https://a/x")).toBeUndefined();
		expect(familyOfPrefix("https://a/x\u0000")).toBe("https://a/x");
		expect(familyOfPrefix("https://a/")).toBeUndefined();
		expect(familyOfPrefix("")).toBeUndefined();
		expect(familyCharge("https://a/x\u0000v")).toBe(FAMILY_MEMBERSHIP_COST);
		expect(familyCharge("https://a/x")).toBe(0);
	});

	test("a URL's prefix purge takes its variants and part, and nothing of its neighbours", async () => {
		const tier = tierOf(4 * MiB);
		const keys = [
			"u",
			"u\u0000a",
			"u\u0000b",
			"u\u0000b\u0000part",
			"u\u0000part",
			"u2\u0000a",
			"uu\u0000a",
			"v\u0000u\u0000a",
			"u/child",
		];
		for (const key of keys) expect(tier.set(key, body).stored).toBe(true);
		expect((await tier.keys({ prefix: "u\u0000" })).sort()).toEqual([
			"u\u0000a",
			"u\u0000b",
			"u\u0000b\u0000part",
			"u\u0000part",
		]);
		// A prefix reaching past the NUL keeps to the keys that start with all of it.
		expect(await tier.keys({ prefix: "u\u0000b" })).toHaveLength(2);
		expect(await tier.purge({ prefix: "u\u0000" })).toBe(4);
		expect((await tier.keys({ prefix: "" })).sort()).toEqual(
			["u", "u2\u0000a", "uu\u0000a", "v\u0000u\u0000a", "u/child"].sort(),
		);
		// Purged members leave the family: storing them again finds them again.
		tier.set("u\u0000a", body);
		expect(await tier.keys({ prefix: "u\u0000" })).toEqual(["u\u0000a"]);
		// A prefix without NUL reads every key, as before.
		expect((await tier.keys({ prefix: "u" })).sort()).toEqual(
			["u", "u\u0000a", "u2\u0000a", "uu\u0000a", "u/child"].sort(),
		);
	});

	test("a pinned member that is replaced or purged is found once, under its current entry", async () => {
		const tier = tierOf(4 * MiB);
		tier.set("u\u0000a", body);
		const pinned = await tier.lookup("u\u0000a");
		expect(pinned).toBeDefined();
		// Replaced while pinned: a new entry takes the key, the old one waits for its reader.
		tier.set("u\u0000a", new Uint8Array(50));
		expect(await tier.keys({ prefix: "u\u0000" })).toEqual(["u\u0000a"]);
		expect(await tier.purge({ prefix: "u\u0000" })).toBe(1);
		pinned?.release();
		expect(await tier.keys({ prefix: "u\u0000" })).toEqual([]);
		expect(tier.size).toBe(0);
	});

	test("family membership is charged against the capacity, and given back", async () => {
		const plain = tierOf(256 * KiB);
		const varied = tierOf(256 * KiB);
		for (let i = 0; i < 2000; i++) {
			plain.set(`/o/${i}`, body);
			varied.set(`/o/${i}\u0000v`, body);
		}
		// The same slots, but each variant also holds its membership: fewer fit.
		expect(varied.stats().objects).toBeLessThan(plain.stats().objects);
		const held = varied.stats().objects;
		expect(await varied.purge({ prefix: "/o/1999\u0000" })).toBe(1);
		await varied.purge({ prefix: "" });
		for (let i = 0; i < held; i++) varied.set(`/p/${i}\u0000v`, body);
		expect(varied.stats().objects).toBe(held);
	});

	test("the family index answers as a scan of every key would, whatever came before", async () => {
		const key = fc
			.tuple(
				fc.constantFrom("a", "ab", "b"),
				fc.constantFrom("", "\u0000x", "\u0000y", "\u0000x\u0000p"),
			)
			.map(([family, rest]) => `${family}${rest}`);
		const op = fc.oneof(
			fc.record({
				kind: fc.constant("set" as const),
				key,
				size: fc.integer({ min: 1, max: 3000 }),
			}),
			fc.record({ kind: fc.constant("delete" as const), key }),
			fc.record({ kind: fc.constant("pin" as const), key }),
			fc.record({ kind: fc.constant("release" as const) }),
			fc.record({
				kind: fc.constant("purge" as const),
				prefix: fc.constantFrom("a\u0000", "ab\u0000", "b\u0000x", "a\u0000x\u0000", "a", ""),
			}),
		);
		await fc.assert(
			fc.asyncProperty(fc.array(op, { maxLength: 80 }), async (ops) => {
				// Small: a few objects of up to 3 KB fill it, so sets evict.
				const tier = tierOf(16 * KiB);
				const pins: CachedObject[] = [];
				for (const step of ops) {
					if (step.kind === "set") tier.set(step.key, new Uint8Array(step.size));
					else if (step.kind === "delete") tier.delete(step.key);
					else if (step.kind === "pin") {
						const found = await tier.lookup(step.key);
						if (found !== undefined) pins.push(found);
					} else if (step.kind === "release") pins.shift()?.release();
					else await tier.purge({ prefix: step.prefix });
					for (const prefix of ["a\u0000", "ab\u0000", "b\u0000", "a\u0000x", "b\u0000x\u0000"])
						expect((await tier.keys({ prefix })).sort()).toEqual(await scanned(tier, prefix));
				}
				for (const pin of pins) pin.release();
			}),
			{ numRuns: 200 },
		);
	});
});
