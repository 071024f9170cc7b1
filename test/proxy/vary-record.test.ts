/**
 * The Vary record stored under a URL's primary key (stored-response.ts) and the list of
 * variants it keeps (variant-list.ts): records from before the list still decode, a list
 * over its bound is corrupt (read as a miss, never trusted), and a new variant goes first.
 */
import { describe, expect, test } from "bun:test";
import {
	decodeRecord,
	encodeVaryRecord,
	MAX_LISTED_VARIANTS,
} from "../../edge/proxy/stored-response.ts";
import { variantsListed } from "../../edge/proxy/variant-list.ts";
import { ManualClock } from "../../edge/store/clock.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("the Vary record's list of variants", () => {
	test("a record without a list (written before it) decodes, with none", () => {
		const record = decodeRecord(encode({ kind: "vary", vary: ["accept-language"] }));
		expect(record).toEqual({ kind: "vary", vary: ["accept-language"] });
	});

	test("a list longer than the bound, or not of strings, is a corrupt record", () => {
		const long = Array.from({ length: MAX_LISTED_VARIANTS + 1 }, (_, i) => `v${i}`);
		expect(decodeRecord(encode({ kind: "vary", vary: ["a"], variants: long })).kind).toBe(
			"corrupt",
		);
		expect(decodeRecord(encode({ kind: "vary", vary: ["a"], variants: [1] })).kind).toBe("corrupt");
		const fine = encodeVaryRecord({ vary: ["a"], variants: long.slice(1) });
		expect(decodeRecord(fine)).toEqual({ kind: "vary", vary: ["a"], variants: long.slice(1) });
	});

	test("a new variant goes first, moves up when listed already, and the oldest fall off", () => {
		const tier = new MemoryTier({
			slab: new TsSlab({ capacityBytes: 1 << 20 }),
			clock: new ManualClock(0),
		});
		expect(variantsListed(tier, "u", ["a"], "x")).toEqual(["x"]);
		const store = (variants: string[], vary = ["a"]) => {
			const writer = tier.beginWrite("u", {
				expiresAt: Number.POSITIVE_INFINITY,
				tags: [],
				header: encodeVaryRecord({ vary, variants }),
			});
			expect(writer.commit().stored).toBe(true);
		};
		store(["b", "c"]);
		expect(variantsListed(tier, "u", ["a"], "x")).toEqual(["x", "b", "c"]);
		expect(variantsListed(tier, "u", ["a"], "c")).toEqual(["c", "b"]);
		const full = Array.from({ length: MAX_LISTED_VARIANTS }, (_, i) => `v${i}`);
		store(full);
		expect(variantsListed(tier, "u", ["a"], "x")).toEqual(["x", ...full.slice(0, -1)]);
		// Listed under other fields: those variants are not this Vary's.
		store(["b"], ["b"]);
		expect(variantsListed(tier, "u", ["a"], "x")).toEqual(["x"]);
		// A tier that cannot answer at once lists the new variant alone.
		expect(variantsListed({}, "u", ["b"], "x")).toEqual(["x"]);
		// What is stored there is not a Vary record: nothing to list from.
		tier.set("u", new Uint8Array(3));
		expect(variantsListed(tier, "u", ["a"], "x")).toEqual(["x"]);
	});
});
