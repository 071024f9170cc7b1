import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../edge/store/clock.ts";
import { LargeObjectStore } from "../../edge/store/large-objects.ts";
import { bodyOf, decode, encode, meta } from "./meta-helpers.ts";

function makeStore(capacityBytes = 1000, maxObjectBytes?: number) {
	const clock = new ManualClock(1_000_000);
	const store = new LargeObjectStore({
		capacityBytes,
		clock,
		...(maxObjectBytes === undefined ? {} : { maxObjectBytes }),
	});
	return { store, clock };
}

function put(
	store: LargeObjectStore,
	key: string,
	size: number,
	options: { header?: string; hint?: boolean; tags?: string[]; since?: number } = {},
) {
	const writer = store.beginWrite(
		key,
		meta(options.header ?? "h", options.tags),
		options.hint === false ? undefined : size,
		options.since,
	);
	const body = bodyOf(size);
	for (let at = 0; at < size; at += 37) writer.write(body.subarray(at, Math.min(size, at + 37)));
	return writer.commit();
}

describe("LargeObjectStore", () => {
	test("a write is visible only once committed, whole, with and without a size hint", () => {
		const { store } = makeStore();
		const writer = store.beginWrite("a", meta("head"), 100);
		writer.write(bodyOf(100).subarray(0, 60));
		expect(store.lookupSync("a")).toBeUndefined();
		writer.write(bodyOf(100).subarray(60));
		expect(writer.commit()).toEqual({ stored: true });
		const found = store.lookupSync("a");
		expect(found?.body).toEqual(bodyOf(100));
		expect(decode(found?.header)).toBe("head");
		expect(decode(found?.meta.header)).toBe("head");

		expect(put(store, "b", 150, { hint: false })).toEqual({ stored: true });
		expect(store.lookupSync("b")?.body).toEqual(bodyOf(150));
		expect(store.stats()).toMatchObject({ objects: 2, bytes: 100 + 4 + 150 + 1 });
	});

	test("bodySoFar is the written bytes in the writer's own buffer, which the commit publishes; none once refused", () => {
		const { store } = makeStore();
		const writer = store.beginWrite("a", meta("head"), 100);
		expect(writer.bodySoFar?.()).toEqual(new Uint8Array(0));
		writer.write(bodyOf(100).subarray(0, 60));
		const early = writer.bodySoFar?.();
		expect(early).toEqual(bodyOf(100).subarray(0, 60));
		writer.write(bodyOf(100).subarray(60));
		expect(writer.bodySoFar?.()).toEqual(bodyOf(100));
		expect(writer.commit()).toEqual({ stored: true });
		expect(writer.bodySoFar?.()).toBeUndefined();
		// What a follower read of it is the stored body's memory, not a copy of it.
		expect(early?.buffer).toBe(store.lookupSync("a")?.body.buffer as ArrayBuffer);

		const refused = store.beginWrite("b", meta("head"), 10);
		refused.write(bodyOf(11));
		expect(refused.refused).toBe("length-mismatch");
		expect(refused.bodySoFar?.()).toBeUndefined();
	});

	test("the largest object is a quarter of the capacity unless given; above it: too-large", () => {
		const { store } = makeStore(1000);
		expect(store.maxObjectBytes).toBe(250);
		expect(put(store, "hinted", 250)).toEqual({ stored: false, reason: "too-large" });
		expect(put(store, "streamed", 250, { hint: false })).toEqual({
			stored: false,
			reason: "too-large",
		});
		expect(put(store, "fits", 249)).toEqual({ stored: true });
		expect(store.stats().refusals).toBe(2);
		expect(store.bufferedBytes).toBe(0);
	});

	test("a body that ends short of or past its size hint is refused", () => {
		const { store } = makeStore();
		const short = store.beginWrite("k", meta("h"), 100);
		short.write(bodyOf(99));
		expect(short.commit()).toEqual({ stored: false, reason: "length-mismatch" });
		const long = store.beginWrite("k", meta("h"), 10);
		long.write(bodyOf(11));
		expect(long.refused).toBe("length-mismatch");
		expect(long.commit()).toEqual({ stored: false, reason: "length-mismatch" });
		expect(store.beginWrite("k", meta("h"), -1).refused).toBe("length-mismatch");
		expect(store.lookupSync("k")).toBeUndefined();
		expect(store.bufferedBytes).toBe(0);
	});

	test("evicts whole objects, least recently used first, to make room", () => {
		const { store } = makeStore(1000, 400);
		for (const key of ["a", "b", "c"]) expect(put(store, key, 299).stored).toBe(true);
		store.lookupSync("a");
		expect(put(store, "d", 299).stored).toBe(true);
		expect(store.lookupSync("b")).toBeUndefined();
		for (const key of ["a", "c", "d"]) expect(store.lookupSync(key)?.body).toEqual(bodyOf(299));
		expect(store.stats()).toMatchObject({ objects: 3, bytes: 900, evictions: 1 });
	});

	test("hits share one Blob of the body, charged to the budget, freed with the object", async () => {
		const { store } = makeStore(1000, 400);
		put(store, "a", 299);
		put(store, "b", 299);
		const first = store.lookupSync("a")?.bodyBlob?.();
		expect(first).toBeInstanceOf(Blob);
		const shared: Uint8Array = new Uint8Array(await (first as Blob).arrayBuffer());
		expect(shared).toEqual(bodyOf(299));
		// The same Blob for the next hit, not another copy.
		expect(store.lookupSync("a")?.bodyBlob?.()).toBe(first);
		expect(store.stats()).toMatchObject({ objects: 2, bytes: 2 + 299 * 3 });
		// Room for the next object evicts b (least recently used), then a and its copy.
		expect(put(store, "c", 299).stored).toBe(true);
		expect(store.stats()).toMatchObject({ objects: 2, bytes: 2 + 299 * 3, evictions: 1 });
		put(store, "d", 299);
		expect(store.lookupSync("a")).toBeUndefined();
		expect(store.stats()).toMatchObject({ objects: 2, bytes: 2 + 299 * 2 });
	});

	test("a Blob is made for the held entry only, and only when body and copy fit the budget", () => {
		const { store } = makeStore(1000, 600);
		put(store, "big", 599);
		// 599 bytes twice is over the budget: the Response copies the bytes instead.
		expect(store.lookupSync("big")?.bodyBlob?.()).toBeUndefined();
		expect(store.stats()).toMatchObject({ bytes: 600 });
		put(store, "k", 100, { header: "old" });
		const held = store.lookupSync("k");
		put(store, "k", 100, { header: "new" });
		// The reader's entry was replaced: no Blob is charged for bytes the store no longer has.
		expect(held?.bodyBlob?.()).toBeUndefined();
		expect(store.stats().bytes).toBe(600 + 103);
	});

	test("making a Blob evicts others, never the object it is made for", () => {
		const { store } = makeStore(1000, 400);
		put(store, "a", 299);
		put(store, "b", 299);
		put(store, "c", 299);
		const held = store.lookupSync("a");
		store.lookupSync("b");
		store.lookupSync("c");
		// a is now the least recently used; its copy needs room, and c or b go, not a.
		expect(held?.bodyBlob?.()).toBeInstanceOf(Blob);
		expect(store.lookupSync("a")?.body).toEqual(bodyOf(299));
		expect(store.stats()).toMatchObject({ objects: 2, bytes: 2 + 299 * 3, evictions: 1 });
		expect(store.stats().bytes).toBeLessThanOrEqual(1000);
	});

	test("a newer object replaces the older under its key; a reader keeps the bytes it has", () => {
		const { store } = makeStore();
		put(store, "k", 100, { header: "old" });
		const held = store.lookupSync("k");
		put(store, "k", 200, { header: "new" });
		expect(held?.body).toEqual(bodyOf(100));
		expect(decode(held?.header)).toBe("old");
		expect(decode(store.lookupSync("k")?.header)).toBe("new");
		expect(store.stats()).toMatchObject({ objects: 1, bytes: 203 });
	});

	test("an expired object is not served and leaves", () => {
		const { store, clock } = makeStore();
		const writer = store.beginWrite("k", meta("h", [], clock.now() + 1000), 10);
		writer.write(bodyOf(10));
		writer.commit();
		clock.advance(999);
		expect(store.lookupSync("k")).toBeDefined();
		clock.advance(1);
		expect(store.lookupSync("k")).toBeUndefined();
		expect(store.stats()).toMatchObject({ objects: 0, bytes: 0, expirations: 1 });
	});

	test("purge by key, prefix and tag; open writes it matches store nothing", async () => {
		const { store } = makeStore(10_000, 2000);
		put(store, "img/a", 10);
		put(store, "img/b", 10);
		put(store, "page", 10, { tags: ["news"] });
		put(store, "other", 10);
		const open = store.beginWrite("img/c", meta("h"), 10);
		open.write(bodyOf(5));
		expect(open.overtaken).toBe(false);
		expect(await store.purge({ prefix: "img/" })).toBe(2);
		expect(open.overtaken).toBe(true);
		expect(await store.purge({ tag: "news" })).toBe(1);
		expect(await store.keys({ prefix: "" })).toEqual(["other"]);
		open.write(bodyOf(5));
		expect(open.commit()).toEqual({ stored: false, reason: "purged-during-fill" });
		expect(store.stats().purges).toBe(3);
	});

	test("a write begun with a mark heeds the purges made after it", async () => {
		const { store } = makeStore();
		const mark = store.purgeMark();
		await store.purge({ key: "k" });
		expect(put(store, "k", 10, { since: mark })).toEqual({
			stored: false,
			reason: "purged-during-fill",
		});
		expect(put(store, "k", 10, { since: store.purgeMark() })).toEqual({ stored: true });
	});

	test("soft purge rewrites stored headers and open writes, keeping bodies", async () => {
		const { store } = makeStore();
		put(store, "k", 10, { header: "a", tags: ["t"] });
		const open = store.beginWrite("j", meta("b", ["t"]), 10);
		const markStale = (header: Uint8Array) =>
			decode(header)?.endsWith(";stale") ? undefined : encode(`${decode(header)};stale`);
		expect(open.overtaken).toBe(false);
		expect(await store.softPurge({ tag: "t" }, markStale)).toBe(1);
		expect(open.overtaken).toBe(true);
		expect(await store.softPurge({ tag: "t" }, markStale)).toBe(0);
		open.write(bodyOf(10));
		expect(open.commit()).toEqual({ stored: true });
		expect(decode(store.lookupSync("k")?.header)).toBe("a;stale");
		expect(decode(store.lookupSync("j")?.header)).toBe("b;stale");
		expect(store.lookupSync("k")?.body).toEqual(bodyOf(10));
	});

	test("updateMeta replaces the header of the object it was read from, not a newer one", async () => {
		const { store, clock } = makeStore();
		put(store, "k", 10, { header: "first" });
		expect(await store.updateMeta("k", meta("second", [], clock.now() + 50))).toBe(true);
		expect(decode(store.lookupSync("k")?.header)).toBe("second");
		expect(await store.updateMeta("k", meta("third"), { replacing: encode("first") })).toBe(false);
		expect(await store.updateMeta("missing", meta("x"))).toBe(false);
		const mark = store.purgeMark();
		await store.purge({ tag: "gone" });
		expect(await store.updateMeta("k", meta("x", ["gone"]), { since: mark })).toBe(false);
		clock.advance(50);
		expect(await store.updateMeta("k", meta("late"))).toBe(false);
	});

	test("open writes together buffer at most the capacity: past it a write refuses itself", () => {
		const { store } = makeStore(1000, 250);
		const writers = [0, 1, 2, 3].map((i) => store.beginWrite(`w${i}`, meta("h"), 240));
		expect(writers.map((writer) => writer.refused)).toEqual([
			undefined,
			undefined,
			undefined,
			undefined,
		]);
		expect(store.bufferedBytes).toBe(960);
		const fifth = store.beginWrite("w4", meta("h"), 240);
		expect(fifth.refused).toBe("no-room");
		writers[0]?.abort();
		expect(store.bufferedBytes).toBe(720);
		expect(store.beginWrite("w5", meta("h"), 240).refused).toBeUndefined();
	});

	test("discard drops an object without a purge: writes open on its key still store", async () => {
		const { store } = makeStore();
		put(store, "k", 10);
		const open = store.beginWrite("k", meta("h"), 10);
		expect(store.discard("k")).toBe(true);
		expect(store.discard("k")).toBe(false);
		open.write(bodyOf(10));
		expect(open.commit()).toEqual({ stored: true });
		expect(store.stats().purges).toBe(0);
	});

	test("refuses a capacity or largest object that makes no sense", () => {
		expect(() => new LargeObjectStore({ capacityBytes: 0 })).toThrow(RangeError);
		expect(() => new LargeObjectStore({ capacityBytes: Number.NaN })).toThrow(RangeError);
		expect(() => new LargeObjectStore({ capacityBytes: 100, maxObjectBytes: 101 })).toThrow(
			"largest object must be 0-100 bytes",
		);
	});
});
