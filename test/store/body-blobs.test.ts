import { describe, expect, test } from "bun:test";
import { BodyBlobs } from "../../edge/store/body-blobs.ts";
import { ManualClock } from "../../edge/store/clock.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";

/** A Blob's text without the padding the tier tests add. */
const text = async (blob: Blob | undefined) =>
	blob === undefined ? undefined : (await blob.text()).replace(/\.+$/, "");

describe("BodyBlobs", () => {
	test("one Blob per entry, made once, holding a copy of the bytes", async () => {
		const blobs = new BodyBlobs(1000, 0);
		const body = new TextEncoder().encode("abc");
		const first = blobs.blobOf(1, body) as Blob;
		body[0] = 120; // the view's bytes change later: the Blob keeps the copy it made
		expect(blobs.blobOf(1, body)).toBe(first);
		expect(await first.text()).toBe("abc");
		expect(blobs.bytes).toBe(3);
	});

	test("past the budget the oldest go; a body over the budget is made but not kept", () => {
		const blobs = new BodyBlobs(10, 0);
		blobs.blobOf(1, new Uint8Array(4));
		blobs.blobOf(2, new Uint8Array(4));
		blobs.blobOf(3, new Uint8Array(4));
		expect([blobs.size, blobs.bytes]).toEqual([2, 8]);
		expect(blobs.blobOf(4, new Uint8Array(11))?.size).toBe(11);
		expect([blobs.size, blobs.bytes]).toEqual([2, 8]);
	});

	test("a body under the minimum gets no Blob: it is sent as it is", () => {
		const blobs = new BodyBlobs(1 << 20);
		expect(blobs.blobOf(1, new Uint8Array(4095))).toBeUndefined();
		expect(blobs.blobOf(2, new Uint8Array(4096))?.size).toBe(4096);
		expect(blobs.size).toBe(1);
	});

	test("drop and clear forget, and account the bytes", () => {
		const blobs = new BodyBlobs(100, 0);
		blobs.blobOf(1, new Uint8Array(5));
		blobs.blobOf(2, new Uint8Array(7));
		blobs.drop(1);
		blobs.drop(9);
		expect([blobs.size, blobs.bytes]).toEqual([1, 7]);
		blobs.clear();
		expect([blobs.size, blobs.bytes]).toEqual([0, 0]);
	});
});

describe("the memory tier's body Blobs", () => {
	const tierWith = (budget?: number) =>
		new MemoryTier({
			slab: new TsSlab({ capacityBytes: 1 << 20 }),
			clock: new ManualClock(1_000),
			...(budget === undefined ? {} : { blobBudgetBytes: budget }),
		});
	const meta = { expiresAt: Number.POSITIVE_INFINITY, tags: [], header: new Uint8Array(0) };
	/** Bodies of 5000 bytes, over the minimum for a Blob, starting with `value`. */
	const put = (tier: MemoryTier, key: string, value: string) => {
		const writer = tier.beginWrite(key, meta);
		writer.write(new TextEncoder().encode(value.padEnd(5000, ".")));
		expect(writer.commit().stored).toBe(true);
	};
	const blobFor = (tier: MemoryTier, key: string) => {
		const hit = tier.lookupSync(key);
		const blob = hit?.bodyBlob?.();
		hit?.release();
		return blob;
	};

	test("a replaced or removed entry never hands out its old Blob, even when its id is reused", async () => {
		const tier = tierWith();
		put(tier, "a", "first");
		expect(await text(blobFor(tier, "a"))).toBe("first");
		put(tier, "a", "second");
		expect(await text(blobFor(tier, "a"))).toBe("second");
		tier.delete("a");
		put(tier, "b", "other"); // may take the freed id
		expect(await text(blobFor(tier, "b"))).toBe("other");
		expect(blobFor(tier, "a")).toBeUndefined();
	});

	test("a budget of 0 turns it off: the body view is used", () => {
		const tier = tierWith(0);
		put(tier, "a", "x");
		const hit = tier.lookupSync("a");
		expect(hit?.bodyBlob?.()).toBeUndefined();
		expect(new TextDecoder().decode(hit?.body).replace(/\.+$/, "")).toBe("x");
		hit?.release();
	});

	test("no Blob is made after release", () => {
		const tier = tierWith();
		put(tier, "a", "x");
		const hit = tier.lookupSync("a");
		hit?.release();
		expect(hit?.bodyBlob?.()).toBeUndefined();
	});
});
