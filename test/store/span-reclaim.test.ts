/**
 * Slab calcification cured: when a size class has no slot and no page left, the memory tier
 * takes a span from another class (edge/store/span-reclaim.ts): its objects move to free
 * slots of their class elsewhere, or are evicted when there are none, and the pages serve
 * the class that needed them. Run on both slabs, whose span bookkeeping must agree.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ManualClock } from "../../edge/store/clock.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import type { CachedObject } from "../../edge/store/storage.ts";
import { FfiSlab } from "../../native/slab.ts";
import type { Slab } from "../../native/slab-api.ts";
import { TsSlab } from "../../native/slab-ts.ts";

const MiB = 2 ** 20;
/** Bodies of 60 bytes take 64-byte slots: 16,384 to a page. */
const SMALL = 60;
const PER_PAGE = MiB / 64;

const slabs: [string, (capacity: number) => Slab][] = [
	["ffi slab", (capacity) => new FfiSlab({ capacityBytes: capacity })],
	["ts slab", (capacity) => new TsSlab({ capacityBytes: capacity })],
];

/** A body that says which key and version it belongs to, so a misplaced byte shows. */
function bodyOf(key: number, size = SMALL): Uint8Array {
	const body = new Uint8Array(size);
	new DataView(body.buffer).setUint32(0, key);
	body.fill(key % 251, 4);
	return body;
}

function holds(tier: MemoryTier, key: number): boolean {
	const got = tier.get(`s${key}`);
	if (got === undefined) return false;
	expect(Buffer.from(got).equals(Buffer.from(bodyOf(key)))).toBe(true);
	return true;
}

for (const [slabName, makeSlab] of slabs) {
	describe(`span reclaim on the ${slabName}`, () => {
		/** Two pages of small objects, then every key not in `keep` deleted. */
		const tierWith = (keep: (key: number) => boolean) => {
			const slab = makeSlab(2 * MiB);
			const tier = new MemoryTier({ slab, clock: new ManualClock() });
			for (let key = 0; key < 2 * PER_PAGE; key++)
				expect(tier.set(`s${key}`, bodyOf(key)).stored).toBe(true);
			for (let key = 0; key < 2 * PER_PAGE; key++) if (!keep(key)) tier.delete(`s${key}`);
			return { slab, tier };
		};

		test("a large object takes a page from small ones, which move and lose nothing", () => {
			// Page 0 keeps a quarter of its objects, page 1 half: page 0's fit in page 1's holes.
			const { slab, tier } = tierWith((key) => (key < PER_PAGE ? key % 4 === 0 : key % 2 === 0));
			const kept = tier.size;
			expect(tier.set("big", new Uint8Array(MiB - 100).fill(7)).stored).toBe(true);
			expect(tier.reclaims()).toEqual({ spans: 1, objectsMoved: PER_PAGE / 4 });
			expect(tier.stats().evictions).toBe(0);
			expect(tier.size).toBe(kept + 1);
			// Every small object reads back its own bytes, from wherever it lives now.
			for (let key = 0; key < 2 * PER_PAGE; key++) {
				const wanted = key < PER_PAGE ? key % 4 === 0 : key % 2 === 0;
				expect(holds(tier, key)).toBe(wanted);
			}
			expect(tier.get("big")?.every((b) => b === 7)).toBe(true);
			expect(tier.stats().bytes).toBe(slab.stats().bytesInUse);
		});

		test("objects read before the move (their views kept hot) read right after it", () => {
			const { tier } = tierWith((key) => (key < PER_PAGE ? key % 4 === 0 : key % 2 === 0));
			for (let key = 0; key < PER_PAGE; key += 4) expect(holds(tier, key)).toBe(true);
			// The big object is written over the page the hot views pointed into.
			expect(tier.set("big", new Uint8Array(MiB - 100).fill(0xee)).stored).toBe(true);
			for (let key = 0; key < PER_PAGE; key += 4) expect(holds(tier, key)).toBe(true);
		});

		test("with no free slot elsewhere the span's objects are evicted, and only they", () => {
			const { slab, tier } = tierWith(() => true);
			// A full tier: making byte room evicts the oldest small objects first, which empties
			// page 0, so nothing needs to move. Then one more small object goes to page 0's class.
			expect(tier.set("big", new Uint8Array(MiB - 100)).stored).toBe(true);
			expect(tier.reclaims().objectsMoved).toBe(0);
			expect(tier.size).toBe(PER_PAGE + 1);
			for (let key = PER_PAGE; key < 2 * PER_PAGE; key++) expect(holds(tier, key)).toBe(true);
			expect(tier.stats().bytes).toBe(slab.stats().bytesInUse);
		});

		test("a span a reader pins is not given back until the reader lets go", async () => {
			// Only page 0 holds small objects; page 1 is a large object's.
			const slab = makeSlab(2 * MiB);
			const tier = new MemoryTier({ slab, clock: new ManualClock() });
			tier.set("s0", bodyOf(0));
			expect(tier.set("large", new Uint8Array(500_000)).stored).toBe(true);
			const pinned = (await tier.lookup("s0")) as CachedObject;
			expect(tier.set("big", new Uint8Array(MiB - 100)).stored).toBe(false);
			expect(Buffer.from(pinned.body).equals(Buffer.from(bodyOf(0)))).toBe(true);
			pinned.release();
			expect(tier.set("big", new Uint8Array(MiB - 100)).stored).toBe(true);
			expect(tier.stats().bytes).toBe(slab.stats().bytesInUse);
		});

		test("a span holding an open write's slot is not given back under it", () => {
			const slab = makeSlab(2 * MiB);
			const tier = new MemoryTier({ slab, clock: new ManualClock() });
			const meta = { expiresAt: Number.POSITIVE_INFINITY, tags: [], header: new Uint8Array(0) };
			const open = tier.beginWrite("s-open", meta, SMALL);
			open.write(bodyOf(1).subarray(0, 30));
			expect(tier.set("large", new Uint8Array(500_000)).stored).toBe(true);
			expect(tier.set("big", new Uint8Array(MiB - 100)).stored).toBe(false);
			open.write(bodyOf(1).subarray(30));
			expect(open.commit()).toEqual({ stored: true });
			expect(Buffer.from(tier.get("s-open") as Uint8Array).equals(Buffer.from(bodyOf(1)))).toBe(
				true,
			);
		});

		test("random mixed sizes never read wrong bytes and keep accounting exact", () => {
			const sizes = fc.oneof(
				fc.nat(200),
				fc.integer({ min: 1000, max: 40_000 }),
				fc.integer({ min: 200_000, max: 700_000 }),
			);
			const op = fc.oneof(
				fc.record({ kind: fc.constant("set" as const), key: fc.nat(60), size: sizes }),
				fc.record({ kind: fc.constant("get" as const), key: fc.nat(60) }),
				fc.record({ kind: fc.constant("delete" as const), key: fc.nat(60) }),
			);
			let spansReclaimed = 0;
			fc.assert(
				fc.property(fc.array(op, { maxLength: 300, size: "max" }), (ops) => {
					const slab = makeSlab(3 * MiB);
					const tier = new MemoryTier({ slab, clock: new ManualClock() });
					const model = new Map<string, number>();
					let version = 0;
					for (const o of ops) {
						const key = `k${o.key}`;
						if (o.kind === "set") {
							version++;
							if (tier.set(key, new Uint8Array(o.size).fill(version % 251)).stored)
								model.set(key, version);
						} else if (o.kind === "get") {
							const got = tier.get(key);
							if (got !== undefined) {
								const expected = model.get(key);
								expect(expected).toBeDefined();
								expect(got.every((b) => b === (expected as number) % 251)).toBe(true);
							}
						} else {
							tier.delete(key);
							model.delete(key);
						}
						expect(tier.stats().bytes).toBe(slab.stats().bytesInUse);
					}
					spansReclaimed += tier.reclaims().spans;
					slab.close();
				}),
				{ numRuns: 40 },
			);
			// The sequences did reach the path under test.
			expect(spansReclaimed).toBeGreaterThan(0);
		});
	});
}
