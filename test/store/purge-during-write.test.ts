import { describe, expect, test } from "bun:test";
import { invalidatedHeader } from "../../edge/proxy/soft-purge.ts";
import { decodeRecord, encodeStoredResponse } from "../../edge/proxy/stored-response.ts";
import { purger } from "../../edge/purge.ts";
import { ManualClock } from "../../edge/store/clock.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import type { CommitResult, ObjectMeta } from "../../edge/store/storage.ts";
import { FfiSlab } from "../../native/slab.ts";
import type { Slab } from "../../native/slab-api.ts";
import { TsSlab } from "../../native/slab-ts.ts";

// A purge applied while a write is open (a fill streaming in) reaches that write: a hard
// purge makes it store nothing, a soft one makes it store a stale copy. Writes opened after
// the purge are not touched by it.

const MiB = 2 ** 20;
const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array | undefined) =>
	bytes === undefined ? undefined : new TextDecoder().decode(bytes);
const meta = (over: Partial<ObjectMeta> = {}): ObjectMeta => ({
	expiresAt: Number.POSITIVE_INFINITY,
	tags: [],
	header: new Uint8Array(0),
	...over,
});
const PURGED: CommitResult = { stored: false, reason: "purged-during-fill" };
/** A soft purge's rewrite as the tier sees it: any header -> a marked one, once. */
const markStale = (header: Uint8Array) => {
	const text = decode(header) ?? "";
	return text.endsWith(";stale") ? undefined : encode(`${text};stale`);
};

const slabs: [string, (capacity: number) => Slab][] = [
	["ffi slab", (capacity) => new FfiSlab({ capacityBytes: capacity })],
	["ts slab", (capacity) => new TsSlab({ capacityBytes: capacity })],
];
/** A write with a size hint goes straight into its slot; one without is buffered. */
const sizes: [string, number | undefined][] = [
	["sized", 10],
	["buffered", undefined],
];

for (const [slabName, makeSlab] of slabs) {
	const makeTier = () =>
		new MemoryTier({ slab: makeSlab(4 * MiB), clock: new ManualClock(1_000_000) });

	for (const [sizeName, hint] of sizes) {
		describe(`a purge during an open ${sizeName} write, on the ${slabName}`, () => {
			test("by key: the write stores nothing, and the older object is gone too", async () => {
				const tier = makeTier();
				tier.set("k", encode("old"));
				const writer = tier.beginWrite("k", meta(), hint);
				writer.write(encode("fresh"));
				expect(await tier.purge({ key: "k" })).toBe(1);
				writer.write(encode("-body"));
				expect(writer.commit()).toEqual(PURGED);
				expect(tier.get("k")).toBeUndefined();
				expect(await tier.lookup("k")).toBeUndefined();
				// Not a refusal for lack of room or size; the reserved slot is back.
				expect(tier.stats().refusals).toBe(0);
				expect(tier.stats().bytes).toBe(0);
			});

			test("by key, with nothing stored yet: the first fill of a URL", async () => {
				const tier = makeTier();
				const writer = tier.beginWrite("k", meta(), hint);
				expect(await tier.purge({ key: "k" })).toBe(0);
				writer.write(encode("0123456789"));
				expect(writer.refused).toBe("purged-during-fill");
				expect(writer.commit()).toEqual(PURGED);
				expect(tier.size).toBe(0);
			});

			test("a variant: the URL's purge (its key and its variants' prefix) reaches it", async () => {
				const tier = makeTier();
				const purge = purger(tier, { hosts: { "cdn.test": { origin: "http://o.test" } } });
				const primary = "GET http://cdn.test/a";
				const variant = tier.beginWrite(`${primary}\u0000gzip`, meta(), hint);
				const other = tier.beginWrite("GET http://cdn.test/ab\u0000gzip", meta(), hint);
				expect(await purge({ url: "http://cdn.test/a" })).toBe(0);
				for (const writer of [variant, other]) writer.write(encode("0123456789"));
				expect(variant.commit()).toEqual(PURGED);
				expect(other.commit()).toEqual({ stored: true });
				expect(await tier.keys({ prefix: "" })).toEqual(["GET http://cdn.test/ab\u0000gzip"]);
			});

			test("by prefix: writes under it store nothing, others store", async () => {
				const tier = makeTier();
				const under = tier.beginWrite("/img/1", meta(), hint);
				const beside = tier.beginWrite("/css/1", meta(), hint);
				expect(under.overtaken).toBe(false);
				await tier.purge({ prefix: "/img/" });
				// Known at once, before the write's next chunk finds it.
				expect([under.overtaken, beside.overtaken]).toEqual([true, false]);
				for (const writer of [under, beside]) writer.write(encode("0123456789"));
				expect(under.commit()).toEqual(PURGED);
				expect(beside.commit()).toEqual({ stored: true });
			});

			test("by tag: a write carrying the tag stores nothing, one without it stores", async () => {
				const tier = makeTier();
				const tagged = tier.beginWrite("a", meta({ tags: ["red", "blue"] }), hint);
				const untagged = tier.beginWrite("b", meta({ tags: ["green"] }), hint);
				expect(await tier.purge({ tag: "blue" })).toBe(0);
				expect([tagged.overtaken, untagged.overtaken]).toEqual([true, false]);
				for (const writer of [tagged, untagged]) writer.write(encode("0123456789"));
				expect(tagged.commit()).toEqual(PURGED);
				expect(untagged.commit()).toEqual({ stored: true });
				expect(await tier.keys({ tag: "blue" })).toEqual([]);
				expect(await tier.keys({ tag: "green" })).toEqual(["b"]);
			});

			test("soft: the write is stored, already marked; its body, tags and expiry kept", async () => {
				const tier = makeTier();
				tier.set("k", encode("old"));
				const writer = tier.beginWrite(
					"k",
					meta({ header: encode("H"), tags: ["t"], expiresAt: 2_000_000 }),
					hint,
				);
				writer.write(encode("01234"));
				// The stored object counts; the write marked in flight is not stored yet.
				expect(await tier.softPurge({ tag: "t" }, markStale)).toBe(0);
				expect(await tier.softPurge({ key: "k" }, markStale)).toBe(1);
				// Stored, but stale: no longer a fresh answer for requests after the purge.
				expect(writer.overtaken).toBe(true);
				writer.write(encode("56789"));
				expect(writer.commit()).toEqual({ stored: true });
				const hit = await tier.lookup("k");
				expect(decode(hit?.body)).toBe("0123456789");
				expect(hit?.meta).toEqual({ expiresAt: 2_000_000, tags: ["t"], header: encode("H;stale") });
				hit?.release();
			});

			test("soft, then hard: the hard purge wins", async () => {
				const tier = makeTier();
				const writer = tier.beginWrite("k", meta({ header: encode("H") }), hint);
				await tier.softPurge({ key: "k" }, markStale);
				await tier.purge({ key: "k" });
				writer.write(encode("0123456789"));
				expect(writer.commit()).toEqual(PURGED);
			});

			test("a write opened after the purge stores as usual", async () => {
				const tier = makeTier();
				const before = tier.beginWrite("k", meta(), hint);
				await tier.purge({ key: "k" });
				await tier.softPurge({ key: "k" }, markStale);
				const after = tier.beginWrite("k", meta({ header: encode("H") }), hint);
				before.write(encode("0123456789"));
				after.write(encode("abcdefghij"));
				expect(before.commit()).toEqual(PURGED);
				expect(after.commit()).toEqual({ stored: true });
				const hit = await tier.lookup("k");
				expect(decode(hit?.body)).toBe("abcdefghij");
				expect(decode(hit?.header)).toBe("H");
				hit?.release();
			});

			test("a write done before the purge is purged as a stored object, no more", async () => {
				const tier = makeTier();
				const writer = tier.beginWrite("k", meta(), hint);
				writer.write(encode("0123456789"));
				expect(writer.commit()).toEqual({ stored: true });
				expect(await tier.purge({ key: "k" })).toBe(1);
				// Committed already: a later purge does not rewrite its result.
				expect(writer.commit()).toEqual({ stored: true });
			});
		});
	}

	describe(`a soft purge whose rewrite does not fit, on the ${slabName}`, () => {
		test("the object is dropped, stored or in flight: it must not stay fresh", async () => {
			// Both objects sit exactly at the byte gate; the marked header is 6 bytes longer.
			const tier = new MemoryTier({
				slab: makeSlab(4 * MiB),
				clock: new ManualClock(1_000_000),
				maxObjectBytes: 100,
			});
			const full = (key: string) => {
				const writer = tier.beginWrite(key, meta({ header: encode("H") }), 100 - 5);
				writer.write(new Uint8Array(95));
				return writer;
			};
			expect(full("stored").commit()).toEqual({ stored: true });
			const open = full("open");
			expect(await tier.softPurge({ prefix: "" }, markStale)).toBe(1);
			expect(await tier.keys({ prefix: "" })).toEqual([]);
			expect(open.commit()).toEqual({ stored: false, reason: "too-large" });
			expect(await tier.keys({ prefix: "" })).toEqual([]);
		});
	});

	describe(`the edge's soft purge during a fill, on the ${slabName}`, () => {
		test("the fill's response is stored invalidated; a Vary record is left as it is", async () => {
			const tier = makeTier();
			const purge = purger(tier, { hosts: { "cdn.test": { origin: "http://o.test" } } });
			const primary = "GET http://cdn.test/a";
			const vary = encode('{"kind":"vary","vary":["accept"]}');
			expect(tier.beginWrite(primary, meta({ header: vary })).commit()).toEqual({ stored: true });
			const header = encodeStoredResponse({
				status: 200,
				headers: [["cache-control", "max-age=600"]],
				requestTimeMs: 1,
				responseTimeMs: 2,
			});
			const writer = tier.beginWrite(`${primary}\u0000text/html`, meta({ header }));
			writer.write(encode("body"));
			expect(await purge({ url: "http://cdn.test/a", soft: true })).toBe(0);
			expect(writer.commit()).toEqual({ stored: true });
			const hit = await tier.lookup(`${primary}\u0000text/html`);
			const record = decodeRecord(hit?.meta.header ?? new Uint8Array(0));
			expect(record).toMatchObject({ kind: "response", status: 200, invalidated: true });
			expect(decode(hit?.body)).toBe("body");
			hit?.release();
			const record2 = await tier.lookup(primary);
			expect(decode(record2?.meta.header)).toBe(decode(vary));
			record2?.release();
			expect(invalidatedHeader(vary)).toBeUndefined();
		});
	});
}
