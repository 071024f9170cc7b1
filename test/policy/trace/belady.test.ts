import { describe, expect, test } from "bun:test";
import { beladyMisses, nextUseIndexes } from "../../../scripts/trace/belady.ts";
import { parseTrace } from "../../../scripts/trace/trace-file.ts";

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
});
