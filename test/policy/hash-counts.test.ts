import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { HashCounts } from "../../edge/policy/hash-counts.ts";

describe("HashCounts", () => {
	test("counts copies: each remove takes one, then the hash is gone", () => {
		const counts = new HashCounts(4);
		counts.add(7);
		counts.add(7);
		expect(counts.size).toBe(1);
		expect(counts.remove(7)).toBe(true);
		expect(counts.has(7)).toBe(true);
		expect(counts.remove(7)).toBe(true);
		expect(counts.has(7)).toBe(false);
		expect(counts.remove(7)).toBe(false);
		expect(counts.size).toBe(0);
	});

	test("hash 0 is held like any other (as 1, which it then collides with)", () => {
		const counts = new HashCounts();
		counts.add(0);
		expect(counts.has(0)).toBe(true);
		expect(counts.has(1)).toBe(true);
		expect(counts.remove(0)).toBe(true);
		expect(counts.has(0)).toBe(false);
	});

	test("grows past its first size and keeps every member", () => {
		const counts = new HashCounts(4);
		for (let hash = 1; hash <= 10_000; hash++) counts.add(hash * 2_654_435_761);
		expect(counts.size).toBe(10_000);
		for (let hash = 1; hash <= 10_000; hash++) expect(counts.has(hash * 2_654_435_761)).toBe(true);
		expect(counts.has(3)).toBe(false);
	});

	test("property: behaves as a Map of counts under any mix of adds and removes", () => {
		// Few distinct hashes over a tiny table, so probe runs wrap and deletions shift often.
		const hash = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(0xffffffff));
		const op = fc.record({ add: fc.boolean(), hash });
		fc.assert(
			fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
				const counts = new HashCounts(2);
				const model = new Map<number, number>();
				for (const { add, hash: raw } of ops) {
					const h = raw === 0 ? 1 : raw; // 0 is stored as 1
					if (add) {
						counts.add(raw);
						model.set(h, (model.get(h) ?? 0) + 1);
					} else {
						const had = model.has(h);
						expect(counts.remove(raw)).toBe(had);
						if (had) {
							const left = (model.get(h) as number) - 1;
							if (left === 0) model.delete(h);
							else model.set(h, left);
						}
					}
					expect(counts.size).toBe(model.size);
				}
				for (let h = 0; h <= 41; h++) expect(counts.has(h)).toBe(model.has(h === 0 ? 1 : h));
				expect(counts.has(0xffffffff)).toBe(model.has(0xffffffff));
			}),
			{ numRuns: 300 },
		);
	});
});
