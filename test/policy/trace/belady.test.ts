import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { beladyMisses, nextUseIndexes } from "../../../scripts/trace/belady.ts";
import { parseTrace } from "../../../scripts/trace/trace-file.ts";

/**
 * The fewest misses any cache of `capacity` objects can have, by trying every choice: on a
 * miss, bypass the newcomer or insert it, evicting any one held object if full. Memoized on
 * (request, set held), so it is exact and only fit for tiny traces.
 */
function bruteForceOptMisses(ids: readonly number[], capacity: number): number {
	const memo = new Map<string, number>();
	const popcount = (set: number) => {
		let count = 0;
		for (let bits = set; bits !== 0; bits &= bits - 1) count++;
		return count;
	};
	const best = (i: number, held: number): number => {
		if (i === ids.length) return 0;
		const memoKey = `${i}:${held}`;
		const known = memo.get(memoKey);
		if (known !== undefined) return known;
		const bit = 1 << (ids[i] as number);
		let result: number;
		if ((held & bit) !== 0) {
			result = best(i + 1, held);
		} else {
			result = best(i + 1, held); // bypass
			if (popcount(held) < capacity) {
				result = Math.min(result, best(i + 1, held | bit));
			} else {
				for (let victims = held; victims !== 0; victims &= victims - 1) {
					const victim = victims & -victims;
					result = Math.min(result, best(i + 1, (held & ~victim) | bit));
				}
			}
			result += 1;
		}
		memo.set(memoKey, result);
		return result;
	};
	return best(0, 0);
}

/** A count-mode trace from a string of one-letter keys. */
function traceOf(keys: string) {
	return parseTrace("tiny", [...keys].map((key, i) => `${i},${key},1`).join("\n"));
}

describe("Belady OPT", () => {
	test("next-use indexes point at the next request for the same object", () => {
		const trace = traceOf("abab");
		// Past the end, the value is length + index so that every value stays unique.
		expect([...nextUseIndexes(trace.ids, trace.uniqueObjects)]).toEqual([2, 3, 6, 7]);
	});

	test("a b c a b c with room for 2: bypassing c keeps a and b, 4 misses (LRU has 6)", () => {
		expect(beladyMisses(traceOf("abcabc"), 2)).toBe(4);
	});

	test("a b c d a b c d e a with room for 3, computed by hand: 6 misses", () => {
		// a b c miss; d miss, evicts c (used furthest); a b hit; c miss, evicts a or b? a is
		// used at 9, b never again, so b goes; d hit; e miss, evicts c or d (never again); a hit.
		expect(beladyMisses(traceOf("abcdabcdea"), 3)).toBe(6);
	});

	test("a cache as large as the working set only misses each object once", () => {
		expect(beladyMisses(traceOf("abcabcaab"), 3)).toBe(3);
	});

	test("a cache of size zero misses everything", () => {
		expect(beladyMisses(traceOf("aaa"), 0)).toBe(3);
	});

	test("matches an exhaustive search over every admission and eviction choice", () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 14 }),
				fc.integer({ min: 1, max: 4 }),
				(keys, capacity) => {
					const trace = traceOf(keys.map((key) => "abcdef"[key]).join(""));
					// Ids are interned in order of first appearance, the same for both.
					const ids = [...trace.ids];
					expect(beladyMisses(trace, capacity)).toBe(bruteForceOptMisses(ids, capacity));
				},
			),
			{ numRuns: 500 },
		);
	});
});
