import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { lru } from "../../../scripts/trace/policies.ts";
import {
	cacheSizeFor,
	gapClosure,
	type ReplayMode,
	replay,
} from "../../../scripts/trace/replay.ts";
import { parseTrace, type Trace } from "../../../scripts/trace/trace-file.ts";

/** LRU written the obvious way, with a Map's insertion order as recency: the oracle. */
function referenceLruMisses(trace: Trace, mode: ReplayMode, capacity: number): number {
	const held = new Map<number, number>();
	let used = 0;
	let misses = 0;
	trace.ids.forEach((id, i) => {
		const size = mode === "count" ? 1 : (trace.sizes[i] as number);
		const known = held.get(id);
		if (known !== undefined) {
			held.delete(id);
			held.set(id, known);
			return;
		}
		misses++;
		if (size > capacity) return;
		for (const [oldest, oldestSize] of held) {
			if (used + size <= capacity) break;
			held.delete(oldest);
			used -= oldestSize;
		}
		held.set(id, size);
		used += size;
	});
	return misses;
}

/** A synthetic trace: skewed keys, each with a fixed size derived from the key. */
function syntheticTrace(keys: readonly number[]): Trace {
	const lines = keys.map((key, i) => `${i},k${key},${1 + ((key * 37) % 500)}`);
	return parseTrace("synthetic", lines.join("\n"));
}

describe("replay", () => {
	test("cache size is floor(fraction x working set) in objects or bytes", () => {
		const trace = parseTrace("t", "1,a,100\n2,b,50\n3,a,100\n4,c,7\n");
		expect(cacheSizeFor(trace, "count", 0.5)).toBe(1);
		expect(cacheSizeFor(trace, "byte", 0.1)).toBe(15);
	});

	for (const mode of ["count", "byte"] as const) {
		test(`LRU replay matches a straightforward LRU, ${mode} mode`, () => {
			fc.assert(
				fc.property(
					fc.array(
						fc.integer({ min: 0, max: 300 }).map((n) => Math.floor((n * n) / 300)),
						{ minLength: 1, maxLength: 600 },
					),
					fc.double({ min: 0.01, max: 0.6, noNaN: true }),
					(keys, fraction) => {
						const trace = syntheticTrace(keys);
						const capacity = cacheSizeFor(trace, mode, fraction);
						const result = replay(trace, lru({ capacity, mode, trace }), mode);
						expect(result.requests).toBe(keys.length);
						expect(result.misses).toBe(referenceLruMisses(trace, mode, capacity));
					},
				),
				{ numRuns: 100 },
			);
		});
	}

	test("counts missed bytes with real sizes even in count mode", () => {
		const trace = parseTrace("t", "1,a,100\n2,b,50\n3,a,100\n");
		const result = replay(trace, lru({ capacity: 2, mode: "count", trace }), "count");
		expect(result.misses).toBe(2);
		expect(result.missedBytes).toBe(150);
		expect(result.requestedBytes).toBe(250);
	});

	test("gap closure is 0 at LRU, 1 at OPT and negative when worse than LRU", () => {
		expect(gapClosure(100, 100, 60)).toBe(0);
		expect(gapClosure(100, 60, 60)).toBe(1);
		expect(gapClosure(100, 90, 60)).toBeCloseTo(0.25);
		expect(gapClosure(100, 110, 60)).toBeCloseTo(-0.25);
		expect(gapClosure(100, 100, 100)).toBe(0);
	});
});
