import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../edge/store/clock.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { decode, encode, meta } from "./meta-helpers.ts";

// A write or header update taken with a purge mark heeds the purges made after the mark,
// even those made before the write opened: a fill whose request went to the origin before a
// purge must not store the answer after it.

const markStale = (header: Uint8Array) => encode(`${decode(header)};stale`);

function makeTier() {
	return new MemoryTier({
		slab: new TsSlab({ capacityBytes: 4 << 20 }),
		clock: new ManualClock(1_000_000),
	});
}

function write(tier: MemoryTier, key: string, header: string, since?: number, tags: string[] = []) {
	const writer = tier.beginWrite(key, meta(header, tags), undefined, since);
	writer.write(encode("body"));
	return writer.commit();
}

async function headerOf(tier: MemoryTier, key: string): Promise<string | undefined> {
	const found = await tier.lookup(key);
	const header = decode(found?.meta.header);
	found?.release();
	return header;
}

describe("writes begun with a purge mark", () => {
	test("a hard purge between the mark and the write: nothing stored", async () => {
		const tier = makeTier();
		const mark = tier.purgeMark();
		await tier.purge({ key: "k" });
		expect(write(tier, "k", "old answer", mark)).toEqual({
			stored: false,
			reason: "purged-during-fill",
		});
		expect(await tier.lookup("k")).toBeUndefined();
	});

	test("by prefix and by tag too; a purge of something else leaves it", async () => {
		const tier = makeTier();
		const mark = tier.purgeMark();
		await tier.purge({ prefix: "img/" });
		await tier.purge({ tag: "news" });
		await tier.purge({ key: "other" });
		expect(write(tier, "img/a", "h", mark).stored).toBe(false);
		expect(write(tier, "page", "h", mark, ["news"]).stored).toBe(false);
		expect(write(tier, "page2", "h", mark, ["sport"]).stored).toBe(true);
	});

	test("a soft purge between the mark and the write: stored, already rewritten", async () => {
		const tier = makeTier();
		const mark = tier.purgeMark();
		await tier.softPurge({ key: "k" }, markStale);
		expect(write(tier, "k", "answer", mark).stored).toBe(true);
		expect(await headerOf(tier, "k")).toBe("answer;stale");
	});

	test("a mark taken after the purge, or no mark: the write stores as usual", async () => {
		const tier = makeTier();
		await tier.purge({ key: "k" });
		expect(write(tier, "k", "after", tier.purgeMark()).stored).toBe(true);
		await tier.purge({ key: "j" });
		expect(write(tier, "j", "unmarked").stored).toBe(true);
	});
});

describe("header updates with a guard", () => {
	test("an update for an object another write replaced is refused", async () => {
		const tier = makeTier();
		write(tier, "k", "v1");
		const found = await tier.lookup("k");
		const v1 = found?.header.slice();
		found?.release();
		write(tier, "k", "v2");
		expect(await tier.updateMeta("k", meta("v1 freshened"), { replacing: v1 })).toBe(false);
		expect(await headerOf(tier, "k")).toBe("v2");
		expect(await tier.updateMeta("k", meta("v2 freshened"), { replacing: encode("v2") })).toBe(
			true,
		);
		expect(await headerOf(tier, "k")).toBe("v2 freshened");
	});

	test("a hard purge after the mark refuses it; a soft one is kept over it", async () => {
		const tier = makeTier();
		write(tier, "k", "v1");
		const mark = tier.purgeMark();
		await tier.softPurge({ key: "k" }, markStale);
		expect(await tier.updateMeta("k", meta("v1 freshened"), { since: mark })).toBe(true);
		expect(await headerOf(tier, "k")).toBe("v1 freshened;stale");
		write(tier, "j", "w1");
		const before = tier.purgeMark();
		await tier.purge({ key: "j" });
		write(tier, "j", "w2");
		expect(await tier.updateMeta("j", meta("w1 freshened"), { since: before })).toBe(false);
		expect(await headerOf(tier, "j")).toBe("w2");
	});
});
