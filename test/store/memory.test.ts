import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ClockPolicy } from "../../edge/policy/clock.ts";
import type { EvictionPolicy } from "../../edge/policy/eviction.ts";
import { LruPolicy } from "../../edge/policy/lru.ts";
import { S3FifoPolicy } from "../../edge/policy/s3-fifo-policy.ts";
import { ManualClock } from "../../edge/store/clock.ts";
import { MemoryTier, type MemoryTierOptions } from "../../edge/store/memory.ts";
import type { ObjectMeta } from "../../edge/store/storage.ts";
import { FfiSlab } from "../../native/slab.ts";
import type { Slab } from "../../native/slab-api.ts";
import { TsSlab } from "../../native/slab-ts.ts";

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

const slabs: [string, (capacity: number) => Slab][] = [
	["ffi slab", (capacity) => new FfiSlab({ capacityBytes: capacity })],
	["ts slab", (capacity) => new TsSlab({ capacityBytes: capacity })],
];

for (const [slabName, makeSlab] of slabs) {
	const makeTier = (over: Partial<MemoryTierOptions> = {}) => {
		const clock = new ManualClock(1_000_000);
		const tier = new MemoryTier({ slab: makeSlab(4 * MiB), clock, ...over });
		return { tier, clock };
	};

	describe(`MemoryTier on the ${slabName}`, () => {
		test("get returns what set stored and counts hits and misses", () => {
			const { tier } = makeTier();
			expect(tier.set("a", encode("alpha")).stored).toBe(true);
			expect(decode(tier.get("a"))).toBe("alpha");
			expect(tier.get("b")).toBeUndefined();
			const stats = tier.stats();
			expect([stats.hits, stats.misses, stats.objects]).toEqual([1, 1, 1]);
		});

		test("an empty body is an object, not a miss", () => {
			const { tier } = makeTier();
			tier.set("empty", new Uint8Array(0));
			expect(tier.get("empty")?.byteLength).toBe(0);
		});

		test("set replaces the older object and frees its slot", () => {
			const { tier } = makeTier();
			tier.set("k", new Uint8Array(5000));
			tier.set("k", encode("small"));
			expect(decode(tier.get("k"))).toBe("small");
			expect(tier.stats().bytes).toBe(64);
			expect(tier.slab.stats().bytesInUse).toBe(64);
		});

		test("entries expire at their TTL on the injected clock", () => {
			const { tier, clock } = makeTier();
			tier.set("t", encode("x"), { ttlMs: 100 });
			clock.advance(99);
			expect(tier.has("t")).toBe(true);
			expect(decode(tier.get("t"))).toBe("x");
			clock.advance(1);
			expect(tier.get("t")).toBeUndefined();
			expect(tier.stats().expirations).toBe(1);
			expect(tier.stats().bytes).toBe(0);
		});

		test("a negative TTL is refused", () => {
			const { tier } = makeTier();
			expect(() => tier.set("t", encode("x"), { ttlMs: -1 })).toThrow(RangeError);
			expect(tier.size).toBe(0);
		});

		test("evicts least recently used entries to stay within capacity", () => {
			// 100-byte bodies occupy 104-byte slots: room for 10 in 1040 bytes.
			const { tier } = makeTier({ capacityBytes: 1040 });
			for (let i = 0; i < 10; i++) tier.set(`k${i}`, new Uint8Array(100).fill(i));
			tier.get("k0"); // k0 becomes most recent; k1 is now the oldest
			tier.set("k10", new Uint8Array(100));
			expect(tier.has("k1")).toBe(false);
			expect(tier.has("k0")).toBe(true);
			expect(tier.get("k0")?.[0]).toBe(0);
			expect(tier.stats().evictions).toBe(1);
			expect(tier.stats().bytes).toBeLessThanOrEqual(1040);
		});

		test("an object above the byte gate is refused without evicting anything", () => {
			const { tier } = makeTier({ capacityBytes: 64 * 1024, maxObjectBytes: 10_000 });
			for (let i = 0; i < 5; i++) tier.set(`k${i}`, new Uint8Array(1000));
			const before = tier.stats();
			expect(tier.set("big", new Uint8Array(10_001))).toEqual({
				stored: false,
				reason: "too-large",
			});
			const after = tier.stats();
			expect(after.objects).toBe(5);
			expect(after.evictions).toBe(before.evictions);
			expect(after.refusals).toBe(1);
		});

		test("an object larger than the whole tier is refused, not admitted by emptying it", () => {
			const { tier } = makeTier({ capacityBytes: 2048 });
			tier.set("keep", new Uint8Array(1000));
			expect(tier.set("huge", new Uint8Array(3000))).toEqual({
				stored: false,
				reason: "too-large",
			});
			expect(tier.has("keep")).toBe(true);
		});

		test("a streamed write is invisible until commit", async () => {
			const { tier } = makeTier();
			const writer = tier.beginWrite("s", meta({ header: encode("H") }));
			writer.write(encode("hello "));
			expect(await tier.lookup("s")).toBeUndefined();
			writer.write(encode("world"));
			expect(writer.commit()).toEqual({ stored: true });
			const hit = await tier.lookup("s");
			expect(decode(hit?.body)).toBe("hello world");
			expect(decode(hit?.meta.header)).toBe("H");
			hit?.release();
		});

		test("a hit's header is the meta's header bytes; meta is decoded on demand", async () => {
			const { tier } = makeTier();
			tier.set("plain", encode("body"));
			const tagged = tier.beginWrite("t", meta({ tags: ["a", "b"], header: encode("HDR") }));
			tagged.write(encode("x"));
			tagged.commit();

			const plain = await tier.lookup("plain");
			expect(plain?.header.byteLength).toBe(0);
			plain?.release();

			const first = await tier.lookup("t");
			// The header skips the tag block without decoding it.
			expect(decode(first?.header)).toBe("HDR");
			const read = first?.meta;
			first?.release();
			// Read before release: a copy that outlives the pin.
			expect(read?.tags).toEqual(["a", "b"]);
			expect(decode(read?.header)).toBe("HDR");

			const second = await tier.lookup("t");
			second?.release();
			// Never read while pinned: its bytes may be gone, so reading now is refused loudly.
			expect(() => second?.meta).toThrow(/after release/);
		});

		test("a streamed write with a size hint goes straight to the slab", async () => {
			const { tier } = makeTier();
			const writer = tier.beginWrite("s", meta(), 6);
			// The slot is reserved (charged) but not visible.
			expect(tier.stats().bytes).toBe(64);
			expect(tier.has("s")).toBe(false);
			writer.write(encode("abc"));
			writer.write(encode("def"));
			expect(writer.commit().stored).toBe(true);
			expect(decode(tier.get("s"))).toBe("abcdef");
		});

		test("an aborted write leaves nothing behind, the old object stays", () => {
			const { tier } = makeTier();
			tier.set("s", encode("old"));
			const bytesBefore = tier.stats().bytes;
			for (const hint of [undefined, 10]) {
				const writer = tier.beginWrite("s", meta(), hint);
				writer.write(encode("new"));
				writer.abort();
				expect(writer.commit()).toEqual({ stored: false, reason: "aborted" });
				expect(decode(tier.get("s"))).toBe("old");
				expect(tier.stats().bytes).toBe(bytesBefore);
				expect(tier.slab.stats().bytesInUse).toBe(bytesBefore);
			}
		});

		test("a body that differs from its size hint is refused and its slot freed", () => {
			const { tier } = makeTier();
			const short = tier.beginWrite("s", meta(), 10);
			short.write(encode("abc"));
			expect(short.commit()).toEqual({ stored: false, reason: "length-mismatch" });
			const long = tier.beginWrite("s", meta(), 2);
			long.write(encode("abc"));
			expect(long.commit()).toEqual({ stored: false, reason: "length-mismatch" });
			expect(tier.has("s")).toBe(false);
			expect(tier.stats().bytes).toBe(0);
			expect(tier.stats().refusals).toBe(2);
		});

		test("a buffered write that passes the byte gate is refused", () => {
			const { tier } = makeTier({ maxObjectBytes: 100 });
			const writer = tier.beginWrite("s", meta());
			writer.write(new Uint8Array(60));
			writer.write(new Uint8Array(60));
			expect(writer.commit()).toEqual({ stored: false, reason: "too-large" });
			expect(tier.beginWrite("t", meta(), 101).commit()).toEqual({
				stored: false,
				reason: "too-large",
			});
			expect(tier.size).toBe(0);
		});

		test("a looked-up body stays intact until released, even when replaced", async () => {
			// Room for the pinned old body, its replacement and one more: a pinned body stays charged.
			const { tier } = makeTier({ capacityBytes: 3 * 1024 });
			tier.set("k", new Uint8Array(1000).fill(7));
			const hit = await tier.lookup("k");
			tier.set("k", new Uint8Array(1000).fill(9));
			// Free lists are LIFO: had the old slot been freed, this object would land in it.
			tier.set("other", new Uint8Array(1000).fill(5));
			expect(hit?.body.every((b) => b === 7)).toBe(true);
			expect(tier.get("k")?.[0]).toBe(9);
			hit?.release();
			hit?.release(); // idempotent
			expect(tier.slab.stats().bytesInUse).toBe(tier.stats().bytes);
		});

		test("purges by key, prefix and tag", async () => {
			const { tier } = makeTier();
			tier.set("/a/1", encode("1"), { tags: ["red"] });
			tier.set("/a/2", encode("2"), { tags: ["blue"] });
			tier.set("/b/1", encode("3"), { tags: ["red", "blue"] });
			tier.set("/c", encode("4"));
			expect((await tier.keys({ tag: "red" })).sort()).toEqual(["/a/1", "/b/1"]);
			expect((await tier.keys({ prefix: "/a/" })).sort()).toEqual(["/a/1", "/a/2"]);
			expect(await tier.keys({ key: "/c" })).toEqual(["/c"]);
			expect(await tier.keys({ key: "/none" })).toEqual([]);
			expect(tier.size).toBe(4); // listing drops nothing
			expect(await tier.purge({ tag: "red" })).toBe(2);
			expect([tier.has("/a/1"), tier.has("/b/1"), tier.has("/a/2")]).toEqual([false, false, true]);
			expect(await tier.purge({ prefix: "/a/" })).toBe(1);
			expect(await tier.purge({ key: "/c" })).toBe(1);
			expect(await tier.purge({ key: "/c" })).toBe(0);
			expect(await tier.purge({ tag: "blue" })).toBe(0);
			expect(tier.size).toBe(0);
			expect(tier.stats().purges).toBe(4);
		});

		test("updateMeta keeps the body and replaces the metadata", async () => {
			const { tier } = makeTier();
			const writer = tier.beginWrite("k", meta({ header: encode("v1"), tags: ["t"] }));
			writer.write(encode("body"));
			writer.commit();
			expect(await tier.updateMeta("k", meta({ header: encode("version-2") }))).toBe(true);
			const hit = await tier.lookup("k");
			expect(decode(hit?.body)).toBe("body");
			expect(decode(hit?.meta.header)).toBe("version-2");
			expect(hit?.meta.tags).toEqual([]);
			hit?.release();
			expect(await tier.purge({ tag: "t" })).toBe(0);
			expect(await tier.updateMeta("missing", meta())).toBe(false);
		});

		test("a slab carved into one size class gives a page to another", () => {
			// Every page carved into 64-byte slots, every slot full: making byte room for a
			// 1 MiB object evicts the oldest half, which empties page 0 for it.
			const slab = makeSlab(2 * MiB);
			const tier = new MemoryTier({ slab, clock: new ManualClock() });
			for (let i = 0; i < (2 * MiB) / 64; i++) tier.set(`s${i}`, new Uint8Array(10));
			expect(tier.set("big", new Uint8Array(MiB - 1))).toEqual({ stored: true });
			expect(tier.reclaims().spans).toBe(1);
			expect(tier.stats().bytes).toBe(slab.stats().bytesInUse);
			const survivor = tier.get(`s${(2 * MiB) / 64 - 1}`);
			expect(survivor?.byteLength).toBe(10);
		});

		test("random operations never return wrong bytes and keep accounting exact", () => {
			checkRandomOperations(makeSlab, () => new S3FifoPolicy());
		});

		test("the same with CLOCK", () => {
			checkRandomOperations(makeSlab, () => new ClockPolicy());
		});
	});

	describe(`MemoryTier with an LruPolicy on the ${slabName}`, () => {
		// 100-byte bodies occupy 104-byte slots.
		const SLOT = 104;
		const lruTier = (objects: number) =>
			makeTier({ capacityBytes: objects * SLOT, policy: new LruPolicy() }).tier;
		const body = (fill: number) => new Uint8Array(100).fill(fill);
		const present = (tier: MemoryTier, keys: string[]) => keys.filter((key) => tier.has(key));

		test("evicts in strict least-recently-used order across several accesses", () => {
			const tier = lruTier(3);
			tier.set("a", body(1));
			tier.set("b", body(2));
			tier.set("c", body(3)); // recency, oldest first: a b c
			tier.get("a"); // b c a
			tier.set("d", body(4)); // evicts b: c a d
			expect(present(tier, ["a", "b", "c", "d"])).toEqual(["a", "c", "d"]);
			tier.get("c"); // a d c
			tier.set("e", body(5)); // evicts a: d c e
			expect(present(tier, ["a", "b", "c", "d", "e"])).toEqual(["c", "d", "e"]);
			tier.get("d"); // c e d
			tier.set("f", body(6)); // evicts c: e d f
			expect(present(tier, ["c", "d", "e", "f"])).toEqual(["d", "e", "f"]);
			expect(tier.get("d")?.[0]).toBe(4);
			expect(tier.get("e")?.[0]).toBe(5);
			expect(tier.get("f")?.[0]).toBe(6);
			expect(tier.stats().evictions).toBe(3);
			expect(tier.stats().bytes).toBe(3 * SLOT);
		});

		test("a lookup counts as a use, has() does not", async () => {
			const tier = lruTier(2);
			tier.set("a", body(1));
			tier.set("b", body(2));
			expect(tier.has("a")).toBe(true); // no effect on recency: a is still the oldest
			tier.set("c", body(3));
			expect(present(tier, ["a", "b", "c"])).toEqual(["b", "c"]);
			const hit = await tier.lookup("b"); // c b
			hit?.release();
			tier.set("d", body(4)); // evicts c
			expect(present(tier, ["b", "c", "d"])).toEqual(["b", "d"]);
		});

		test("a deleted entry leaves room without evicting the others", () => {
			const tier = lruTier(3);
			for (const [i, key] of ["a", "b", "c"].entries()) tier.set(key, body(i));
			expect(tier.delete("a")).toBe(true);
			tier.set("d", body(9));
			expect(present(tier, ["a", "b", "c", "d"])).toEqual(["b", "c", "d"]);
			expect(tier.stats().evictions).toBe(0);
		});

		test("random operations on equal-sized objects match a model LRU cache exactly", () => {
			const CAPACITY = 4;
			const op = fc.oneof(
				fc.record({ kind: fc.constant("set" as const), key: fc.nat(7) }),
				fc.record({ kind: fc.constant("get" as const), key: fc.nat(7) }),
				fc.record({ kind: fc.constant("delete" as const), key: fc.nat(7) }),
			);
			const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
			fc.assert(
				fc.property(fc.array(op, { maxLength: 150, size: "max" }), (ops) => {
					const tier = new MemoryTier({
						slab: makeSlab(MiB),
						capacityBytes: CAPACITY * SLOT,
						clock: new ManualClock(),
						policy: new LruPolicy(),
					});
					// Key -> version, in recency order (Map iteration order), oldest first.
					const model = new Map<string, number>();
					let version = 0;
					for (const o of ops) {
						const key = `k${o.key}`;
						if (o.kind === "set") {
							version++;
							expect(tier.set(key, body(version % 251)).stored).toBe(true);
							// Replacing a stored key reuses its room; a new key in a full tier
							// evicts the least recently used entry.
							if (!model.has(key) && model.size === CAPACITY) {
								const oldest = model.keys().next().value as string;
								model.delete(oldest);
							}
							model.delete(key);
							model.set(key, version);
						} else if (o.kind === "get") {
							const expected = model.get(key);
							const got = tier.get(key);
							if (expected === undefined) expect(got).toBeUndefined();
							else {
								expect(got?.byteLength).toBe(100);
								expect(got?.[0]).toBe(expected % 251);
								model.delete(key);
								model.set(key, expected);
							}
						} else {
							expect(tier.delete(key)).toBe(model.delete(key));
						}
						expect(present(tier, keys)).toEqual(keys.filter((k) => model.has(k)));
						expect(tier.stats().bytes).toBe(model.size * SLOT);
					}
					tier.slab.close();
				}),
				{ numRuns: 100 },
			);
		});

		test("random operations never return wrong bytes and keep accounting exact", () => {
			checkRandomOperations(makeSlab, () => new LruPolicy());
		});
	});
}

/**
 * Random sets, gets and deletes against a model: the tier may evict anything, but it never
 * answers with bytes other than the last ones stored under a key, and its byte accounting
 * always equals the slab's.
 */
function checkRandomOperations(
	makeSlab: (capacity: number) => Slab,
	makePolicy: () => EvictionPolicy,
): void {
	const op = fc.oneof(
		fc.record({ kind: fc.constant("set" as const), key: fc.nat(20), size: fc.nat(3000) }),
		fc.record({ kind: fc.constant("get" as const), key: fc.nat(20) }),
		fc.record({ kind: fc.constant("delete" as const), key: fc.nat(20) }),
	);
	fc.assert(
		fc.property(fc.array(op, { maxLength: 200, size: "max" }), (ops) => {
			const tier = new MemoryTier({
				slab: makeSlab(4 * MiB),
				capacityBytes: 16 * 1024,
				clock: new ManualClock(),
				policy: makePolicy(),
			});
			const model = new Map<string, number>();
			let version = 0;
			for (const o of ops) {
				const key = `k${o.key}`;
				if (o.kind === "set") {
					version++;
					const body = new Uint8Array(o.size).fill(version % 251);
					// A refused set leaves the older object as it was (or evicted).
					if (tier.set(key, body).stored) model.set(key, version);
				} else if (o.kind === "get") {
					const got = tier.get(key);
					const expected = model.get(key);
					// The tier may have evicted it; it may never answer with other bytes.
					if (got !== undefined) {
						expect(expected).toBeDefined();
						expect(got.every((b) => b === (expected as number) % 251)).toBe(true);
					}
				} else {
					tier.delete(key);
					model.delete(key);
				}
				expect(tier.stats().bytes).toBeLessThanOrEqual(16 * 1024);
				expect(tier.stats().bytes).toBe(tier.slab.stats().bytesInUse);
				expect(tier.size).toBeLessThanOrEqual(model.size);
			}
			tier.slab.close();
		}),
		{ numRuns: 60 },
	);
}
