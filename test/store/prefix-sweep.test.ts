import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../edge/store/clock.ts";
import { LargeObjectStore } from "../../edge/store/large-objects.ts";
import { MemoryTier, type MemoryTierOptions } from "../../edge/store/memory.ts";
import { PurgeHistory } from "../../edge/store/purge-history.ts";
import { SizeRoutedStorage } from "../../edge/store/size-routed.ts";
import { FfiSlab } from "../../native/slab.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { bodyOf, decode, encode, headerOf, meta } from "./meta-helpers.ts";
import { SliceGate } from "./slice-gate.ts";

// A path-prefix purge reads every key, so the memory tier sweeps: it takes effect in the
// call for every read, and the index is walked a slice at a time (edge/store/prefix-sweeps.ts).
// Slices of 4 keys here, and the test says when the next one runs.

const SLICE = 4;
const A = "https://h.test/a/";
const B = "https://h.test/b/";
const keyA = (i: number) => `${A}${i}`;
const keyB = (i: number) => `${B}${i}`;
const EACH = 20;
/** A soft purge's rewrite as the tier sees it: any header -> a marked one, once. */
const markStale = (header: Uint8Array) => {
	const text = decode(header) ?? "";
	return text.endsWith(";stale") ? undefined : encode(`${text};stale`);
};

function store(tier: MemoryTier | SizeRoutedStorage, key: string, header = "h", size = 8) {
	const writer = tier.beginWrite(key, meta(header), size);
	writer.write(bodyOf(size));
	return writer.commit();
}

/** EACH keys under A and EACH under B, interleaved, so A's are spread over every slice. */
function filledTier(gate: SliceGate, options: Partial<MemoryTierOptions> = {}): MemoryTier {
	const tier = new MemoryTier({
		slab: new TsSlab({ capacityBytes: 1 << 20 }),
		clock: new ManualClock(1_000_000),
		sweepSliceKeys: SLICE,
		yieldBetweenSlices: gate.yieldBetweenSlices,
		...options,
	});
	for (let i = 0; i < EACH; i++) {
		expect(store(tier, keyA(i)).stored).toBe(true);
		expect(store(tier, keyB(i)).stored).toBe(true);
	}
	return tier;
}

describe("a path-prefix purge on the memory tier", () => {
	test("is gone for every read in the call, while its walk still has slices to go", async () => {
		const gate = new SliceGate();
		const tier = filledTier(gate);
		// Each read path on keys of its own: a read that heeds the sweep drops the object, and
		// would hide a path that does not. Those read by get() are in the hot set first, which
		// reads no index.
		for (let i = 0; i < EACH; i += 3) tier.get(keyA(i));
		const purged = tier.purge({ prefix: A });
		expect(gate.waiting).toBe(1);
		for (let i = 0; i < EACH; i++) {
			if (i % 3 === 0) expect(tier.get(keyA(i))).toBeUndefined();
			if (i % 3 === 1) expect(tier.has(keyA(i))).toBe(false);
			if (i % 3 === 2) expect(tier.lookupSync(keyA(i))).toBeUndefined();
			expect(headerOf(tier, keyB(i))).toBe("h");
		}
		await gate.runToEnd();
		expect(await purged).toBe(EACH);
		expect(tier.stats().objects).toBe(EACH);
		expect(tier.stats().purges).toBe(EACH);
	});

	test("spares what is stored after it began, new keys and replaced ones", async () => {
		const gate = new SliceGate();
		const tier = filledTier(gate);
		const purged = tier.purge({ prefix: A });
		store(tier, `${A}new`, "newer");
		store(tier, keyA(EACH - 1), "newer"); // late in the walk's order: not read yet
		await gate.step();
		store(tier, keyA(0), "newer"); // early: already dropped by the walk, stored again
		await gate.runToEnd();
		// Every object stored before it counts, the replaced one too, as a purge carried out
		// whole in the call would have counted it.
		expect(await purged).toBe(EACH);
		expect(headerOf(tier, `${A}new`)).toBe("newer");
		expect(headerOf(tier, keyA(EACH - 1))).toBe("newer");
		expect(headerOf(tier, keyA(0))).toBe("newer");
		expect(tier.has(keyA(1))).toBe(false);
	});

	test("a write open before it stores nothing; one opened after it stores", async () => {
		const gate = new SliceGate();
		const tier = filledTier(gate);
		const before = tier.beginWrite(`${A}fill`, meta("h"), 8);
		const purged = tier.purge({ prefix: A });
		const after = tier.beginWrite(`${A}later`, meta("h"), 8);
		for (const writer of [before, after]) writer.write(bodyOf(8));
		expect(before.commit()).toEqual({ stored: false, reason: "purged-during-fill" });
		expect(after.commit().stored).toBe(true);
		await gate.runToEnd();
		expect(await purged).toBe(EACH);
		expect(tier.has(`${A}later`)).toBe(true);
	});

	test("a header update for a condemned object is refused; listing leaves it out", async () => {
		const gate = new SliceGate();
		const tier = filledTier(gate);
		const purged = tier.purge({ prefix: A });
		expect(await tier.updateMeta(keyA(EACH - 1), meta("updated"))).toBe(false);
		expect(await tier.keys({ prefix: "https://h.test/" })).toHaveLength(EACH);
		expect(await tier.keys({ key: keyA(EACH - 2) })).toEqual([]);
		await gate.runToEnd();
		expect(await purged).toBe(EACH);
	});

	test("a tag purge of a condemned object does not count it again", async () => {
		const gate = new SliceGate();
		const tier = filledTier(gate);
		const writer = tier.beginWrite(`${A}tagged`, meta("h", ["t"]), 8);
		writer.write(bodyOf(8));
		expect(writer.commit().stored).toBe(true);
		const purged = tier.purge({ prefix: A });
		expect(await tier.purge({ tag: "t" })).toBe(0);
		await gate.runToEnd();
		expect(await purged).toBe(EACH + 1);
	});

	test("closing the tier ends the walk", async () => {
		const gate = new SliceGate();
		const tier = filledTier(gate);
		const purged = tier.purge({ prefix: A });
		tier.close();
		await gate.runToEnd();
		expect(await purged).toBeLessThanOrEqual(EACH);
		expect(() => tier.lookupSync(keyA(0))).toThrow("closed");
	});

	test("in one pass with an unbounded slice, as before sweeps", async () => {
		const gate = new SliceGate();
		const tier = filledTier(gate, { sweepSliceKeys: Number.POSITIVE_INFINITY });
		const purged = tier.purge({ prefix: A });
		expect(gate.waiting).toBe(0);
		expect(await purged).toBe(EACH);
	});

	test("with the default slices and timer, over more keys than a slice", async () => {
		const tier = new MemoryTier({ slab: new FfiSlab({ capacityBytes: 8 << 20 }) });
		for (let i = 0; i < 20_000; i++) store(tier, i % 2 === 0 ? keyA(i) : keyB(i));
		expect(await tier.purge({ prefix: A })).toBe(10_000);
		expect(tier.size).toBe(10_000);
		expect(tier.has(keyB(1))).toBe(true);
		tier.close();
	});

	test("refuses a slice of no keys", () => {
		expect(
			() => new MemoryTier({ slab: new TsSlab({ capacityBytes: 1 << 20 }), sweepSliceKeys: 0 }),
		).toThrow("sweepSliceKeys");
	});
});

describe("a soft path-prefix purge on the memory tier", () => {
	test("rewrites each matching object once, the first read before the walk", async () => {
		const gate = new SliceGate();
		const tier = filledTier(gate);
		const purged = tier.softPurge({ prefix: A }, markStale);
		expect(headerOf(tier, keyA(EACH - 1))).toBe("h;stale");
		store(tier, `${A}new`);
		await gate.runToEnd();
		expect(await purged).toBe(EACH);
		for (let i = 0; i < EACH; i++) {
			expect(headerOf(tier, keyA(i))).toBe("h;stale");
			expect(headerOf(tier, keyB(i))).toBe("h");
		}
		expect(headerOf(tier, `${A}new`)).toBe("h");
	});

	test("under a hard one begun after it: dropped, counted by both", async () => {
		const gate = new SliceGate();
		const tier = filledTier(gate);
		const soft = tier.softPurge({ prefix: "https://h.test/" }, markStale);
		const hard = tier.purge({ prefix: A });
		expect(tier.has(keyA(EACH - 1))).toBe(false);
		expect(headerOf(tier, keyB(EACH - 1))).toBe("h;stale");
		await gate.runToEnd();
		expect(await soft).toBe(2 * EACH);
		expect(await hard).toBe(EACH);
		expect(tier.size).toBe(EACH);
	});

	test("over a hard one begun before it: dropped, counted by the hard one only", async () => {
		const gate = new SliceGate();
		const tier = filledTier(gate);
		const hard = tier.purge({ prefix: A });
		const soft = tier.softPurge({ prefix: "https://h.test/" }, markStale);
		await gate.runToEnd();
		expect(await hard).toBe(EACH);
		expect(await soft).toBe(EACH);
		for (let i = 0; i < EACH; i++) expect(headerOf(tier, keyB(i))).toBe("h;stale");
	});
});

describe("a path-prefix purge through the size-routed store", () => {
	test("reaches the large store in the same call", async () => {
		const gate = new SliceGate();
		const purgeHistory = new PurgeHistory();
		const clock = new ManualClock(1_000_000);
		const small = new MemoryTier({
			slab: new TsSlab({ capacityBytes: 1 << 20 }),
			clock,
			purgeHistory,
			maxObjectBytes: 1000,
			sweepSliceKeys: SLICE,
			yieldBetweenSlices: gate.yieldBetweenSlices,
		});
		const large = new LargeObjectStore({ capacityBytes: 80_000, clock, purgeHistory });
		const storage = new SizeRoutedStorage(small, large);
		for (let i = 0; i < EACH; i++) store(storage, keyA(i));
		expect(store(storage, `${A}large`, "h", 5000).stored).toBe(true);
		expect(large.lookupSync(`${A}large`)).toBeDefined();
		const purged = storage.purge({ prefix: A });
		expect(gate.waiting).toBe(1);
		expect(await storage.lookup(`${A}large`)).toBeUndefined();
		await gate.runToEnd();
		expect(await purged).toBe(EACH + 1);
	});
});
