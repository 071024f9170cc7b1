import { describe, expect, test } from "bun:test";
import type { EvictionPolicy } from "../../edge/policy/eviction.ts";
import { ManualClock } from "../../edge/store/clock.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";

// The hot set serves repeated get()s from ready views. These tests pin down that it never
// answers with bytes the tier would not answer with.

const MiB = 2 ** 20;
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (view: Uint8Array | undefined) =>
	view === undefined ? undefined : new TextDecoder().decode(view);

function makeTier(capacityBytes = MiB, viewCacheSize?: number) {
	const clock = new ManualClock(1_000_000);
	const options = viewCacheSize === undefined ? {} : { viewCacheSize };
	const tier = new MemoryTier({
		slab: new TsSlab({ capacityBytes: 2 * MiB }),
		capacityBytes,
		clock,
		...options,
	});
	return { tier, clock };
}

describe("the hot set of MemoryTier.get", () => {
	test("a replaced object is served with its new bytes", () => {
		const { tier } = makeTier();
		tier.set("k", bytes("old"));
		expect(text(tier.get("k"))).toBe("old");
		expect(text(tier.get("k"))).toBe("old");
		tier.set("k", bytes("new!"));
		expect(text(tier.get("k"))).toBe("new!");
	});

	test("deleted and purged objects are not served", async () => {
		const { tier } = makeTier();
		tier.set("a", bytes("1"));
		tier.set("b", bytes("2"), { tags: ["t"] });
		tier.set("c", bytes("3"));
		for (const key of ["a", "b", "c"]) tier.get(key);
		tier.delete("a");
		await tier.purge({ tag: "t" });
		await tier.purge({ prefix: "c" });
		expect([tier.get("a"), tier.get("b"), tier.get("c")]).toEqual([
			undefined,
			undefined,
			undefined,
		]);
	});

	test("a hot object with a TTL stops being served when it expires", () => {
		const { tier, clock } = makeTier();
		tier.set("long", bytes("x"), { ttlMs: 5000 });
		tier.set("forever", bytes("y"));
		expect(text(tier.get("long"))).toBe("x"); // now hot
		expect(text(tier.get("forever"))).toBe("y");
		clock.advance(4999);
		expect(text(tier.get("long"))).toBe("x");
		clock.advance(1);
		expect(tier.get("long")).toBeUndefined();
		expect(text(tier.get("forever"))).toBe("y");
		expect(tier.stats().expirations).toBe(1);
	});

	test("hits in the hot set count as hits", () => {
		const { tier } = makeTier();
		tier.set("k", bytes("v"));
		for (let i = 0; i < 5; i++) tier.get("k");
		tier.get("missing");
		expect([tier.stats().hits, tier.stats().misses]).toEqual([5, 1]);
	});

	test("an entry read while hot gets a second chance before eviction", () => {
		// Room for three 100-byte bodies (104-byte slots).
		const { tier } = makeTier(3 * 104);
		tier.set("a", new Uint8Array(100));
		tier.set("b", new Uint8Array(100));
		tier.set("c", new Uint8Array(100));
		tier.get("a");
		tier.get("a");
		tier.set("d", new Uint8Array(100));
		expect(["a", "b", "c", "d"].map((k) => tier.has(k))).toEqual([true, false, true, true]);
	});

	test("eviction that meets a hot entry first reports its use to the policy", () => {
		// First in, first out, deaf to accesses: the victim is always the oldest entry, so
		// only the tier's second chance can tell the policy the entry was read while hot.
		const calls: string[] = [];
		const order: number[] = [];
		const fifo: EvictionPolicy = {
			name: "fifo",
			needsEveryAccess: false,
			wantsKeyHash: false,
			inserted: (id) => void order.push(id),
			accessed: (id) => void calls.push(`accessed ${id}`),
			removed: (id) => {
				calls.push(`removed ${id}`);
				order.splice(order.indexOf(id), 1);
			},
			nextVictim: (after) =>
				after === -1 ? (order[0] ?? -1) : (order[order.indexOf(after) + 1] ?? -1),
			grow: () => {},
		};
		const tier = new MemoryTier({
			slab: new TsSlab({ capacityBytes: 2 * MiB }),
			capacityBytes: 2 * 104,
			clock: new ManualClock(),
			policy: fifo,
		});
		tier.set("a", new Uint8Array(100)); // id 0
		tier.set("b", new Uint8Array(100)); // id 1
		tier.get("a"); // slow path: accessed 0, now hot
		tier.get("a"); // hot hit: the policy hears nothing
		calls.length = 0;
		tier.set("c", new Uint8Array(100));
		expect(calls).toEqual(["accessed 0", "removed 0"]);
		expect(tier.has("a")).toBe(false);
	});

	test("with the hot set off, get still serves correct bytes", () => {
		const { tier } = makeTier(MiB, 0);
		tier.set("k", bytes("one"));
		expect(text(tier.get("k"))).toBe("one");
		tier.set("k", bytes("two"));
		expect(text(tier.get("k"))).toBe("two");
	});

	test("a bounded hot set keeps serving the objects it pushed out", () => {
		const { tier } = makeTier(MiB, 2);
		for (const key of ["a", "b", "c", "d"]) tier.set(key, bytes(key));
		for (const key of ["a", "b", "c", "d", "a", "b"]) expect(text(tier.get(key))).toBe(key);
	});

	test("after close, get misses instead of reading unmapped memory", () => {
		const { tier } = makeTier();
		tier.set("k", bytes("v"));
		tier.get("k");
		tier.close();
		expect(tier.get("k")).toBeUndefined();
		expect(() => tier.set("k", bytes("v"))).toThrow("tier is closed");
	});
});
