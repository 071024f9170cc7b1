import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../edge/store/clock.ts";
import { createL0 } from "../../edge/store/l0.ts";
import { LargeObjectStore } from "../../edge/store/large-objects.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { PurgeHistory } from "../../edge/store/purge-history.ts";
import { SizeRoutedStorage } from "../../edge/store/size-routed.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { bodyOf, decode, encode, meta } from "./meta-helpers.ts";

/** The slab tier admits up to 1,000 bytes (metadata + body); the large store up to 20,000. */
function makeL0() {
	const clock = new ManualClock(1_000_000);
	const purgeHistory = new PurgeHistory();
	const small = new MemoryTier({
		slab: new TsSlab({ capacityBytes: 1 << 20 }),
		clock,
		purgeHistory,
		maxObjectBytes: 1000,
	});
	const large = new LargeObjectStore({ capacityBytes: 80_000, clock, purgeHistory });
	return { small, large, storage: new SizeRoutedStorage(small, large) };
}

type L0 = ReturnType<typeof makeL0>;

function put(
	storage: SizeRoutedStorage,
	key: string,
	size: number,
	options: { header?: string; hint?: boolean; tags?: string[]; since?: number } = {},
) {
	const writer = storage.beginWrite(
		key,
		meta(options.header ?? "h", options.tags),
		options.hint === false ? undefined : size,
		options.since,
	);
	const body = bodyOf(size);
	for (let at = 0; at < size; at += 300) writer.write(body.subarray(at, Math.min(size, at + 300)));
	return writer.commit();
}

/** Which of the two holds `key`, read through each directly. */
function holder({ small, large }: L0, key: string): "small" | "large" | "none" | "both" {
	const inSmall = small.has(key);
	const inLarge = large.lookupSync(key) !== undefined;
	return inSmall && inLarge ? "both" : inSmall ? "small" : inLarge ? "large" : "none";
}

describe("SizeRoutedStorage", () => {
	for (const hint of [true, false]) {
		test(`objects go to the tier their size belongs in (${hint ? "size hint" : "no size hint"})`, () => {
			const l0 = makeL0();
			const { storage } = l0;
			expect(put(storage, "small", 900, { hint })).toEqual({ stored: true });
			expect(put(storage, "large", 5000, { hint })).toEqual({ stored: true });
			expect(put(storage, "huge", 20_001, { hint })).toEqual({
				stored: false,
				reason: "too-large",
			});
			expect(holder(l0, "small")).toBe("small");
			expect(holder(l0, "large")).toBe("large");
			expect(holder(l0, "huge")).toBe("none");
			expect(storage.lookupSync("small")?.body).toEqual(bodyOf(900));
			expect(storage.lookupSync("large")?.body).toEqual(bodyOf(5000));
			expect(storage.maxObjectBytes).toBe(20_000);
		});
	}

	test("the slab tier's gate counts the encoded metadata, as the slab tier does", () => {
		const l0 = makeL0();
		// 4 bytes of tag length, "t", header "hh": 7 bytes of metadata; 993 + 7 = 1000 fits.
		expect(put(l0.storage, "edge", 993, { header: "hh", tags: ["t"] }).stored).toBe(true);
		expect(put(l0.storage, "over", 994, { header: "hh", tags: ["t"] }).stored).toBe(true);
		expect(holder(l0, "edge")).toBe("small");
		expect(holder(l0, "over")).toBe("large");
	});

	test("a key moving between the tiers is held by one only: the newer object", () => {
		const l0 = makeL0();
		put(l0.storage, "k", 500, { header: "small" });
		put(l0.storage, "k", 5000, { header: "large" });
		expect(holder(l0, "k")).toBe("large");
		expect(decode(l0.storage.lookupSync("k")?.header)).toBe("large");
		put(l0.storage, "k", 600, { header: "small again", hint: false });
		expect(holder(l0, "k")).toBe("small");
		expect(l0.storage.lookupSync("k")?.body).toEqual(bodyOf(600));
	});

	test("a refused write leaves the other tier's object in place", () => {
		const l0 = makeL0();
		put(l0.storage, "k", 500, { header: "kept" });
		expect(put(l0.storage, "k", 30_000).stored).toBe(false);
		expect(decode(l0.storage.lookupSync("k")?.header)).toBe("kept");
	});

	test("purges reach both tiers and the writes open in either", async () => {
		const l0 = makeL0();
		put(l0.storage, "img/a", 500);
		put(l0.storage, "img/b", 5000);
		put(l0.storage, "page", 5000, { tags: ["news"] });
		const open = l0.storage.beginWrite("img/c", meta("h"), undefined);
		open.write(bodyOf(3000));
		expect(await l0.storage.purge({ prefix: "img/" })).toBe(2);
		expect(await l0.storage.purge({ tag: "news" })).toBe(1);
		open.write(bodyOf(10));
		expect(open.commit()).toEqual({ stored: false, reason: "purged-during-fill" });
		expect(await l0.storage.keys({ prefix: "" })).toEqual([]);
	});

	test("a write of unknown length heeds purges made while it was still gathering", async () => {
		const l0 = makeL0();
		const open = l0.storage.beginWrite("k", meta("h"), undefined);
		open.write(bodyOf(200));
		await l0.storage.purge({ key: "k" });
		open.write(bodyOf(200));
		expect(open.commit()).toEqual({ stored: false, reason: "purged-during-fill" });
		expect(holder(l0, "k")).toBe("none");
	});

	test("soft purge and header updates reach whichever tier holds the key", async () => {
		const l0 = makeL0();
		put(l0.storage, "s", 500, { header: "s", tags: ["t"] });
		put(l0.storage, "l", 5000, { header: "l", tags: ["t"] });
		const stale = (header: Uint8Array) => encode(`${decode(header)};stale`);
		expect(await l0.storage.softPurge({ tag: "t" }, stale)).toBe(2);
		expect(decode(l0.storage.lookupSync("s")?.header)).toBe("s;stale");
		expect(decode(l0.storage.lookupSync("l")?.header)).toBe("l;stale");
		expect(await l0.storage.updateMeta("l", meta("fresh"))).toBe(true);
		expect(decode(l0.storage.lookupSync("l")?.header)).toBe("fresh");
		expect(await l0.storage.updateMeta("nothing", meta("x"))).toBe(false);
	});

	test("stats add up both tiers; a lookup that misses both is one miss", () => {
		const l0 = makeL0();
		put(l0.storage, "s", 500);
		put(l0.storage, "l", 5000);
		l0.storage.lookupSync("s");
		l0.storage.lookupSync("l");
		l0.storage.lookupSync("absent");
		expect(l0.storage.stats()).toMatchObject({ hits: 2, misses: 1, objects: 2 });
		expect(l0.storage.stats().capacityBytes).toBe((1 << 20) + 80_000);
	});

	test("createL0 with no large budget is the slab tier alone", () => {
		const slab = new TsSlab({ capacityBytes: 1 << 20 });
		const alone = createL0(slab, 0, new ManualClock());
		expect(alone.storage).toBe(alone.memory);
		const both = createL0(new TsSlab({ capacityBytes: 1 << 20 }), 64 << 20, new ManualClock());
		expect(both.storage).toBeInstanceOf(SizeRoutedStorage);
		expect((both.storage as SizeRoutedStorage).maxObjectBytes).toBe(16 << 20);
	});
});
