import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { IdHashMap } from "../../edge/policy/id-hash-map.ts";

describe("IdHashMap", () => {
	test("sets, replaces, gets and deletes", () => {
		const map = new IdHashMap();
		map.set(3, 0xffff_ffff);
		map.set(3, 7);
		expect(map.get(3)).toBe(7);
		expect(map.get(4)).toBeUndefined();
		expect(map.size).toBe(1);
		map.delete(3);
		map.delete(3);
		expect(map.get(3)).toBeUndefined();
		expect(map.size).toBe(0);
	});

	test("retain drops the ids whose hash is refused and names them", () => {
		const map = new IdHashMap();
		for (let id = 0; id < 100; id++) map.set(id, id * 3);
		const dropped: number[] = [];
		map.retain(
			(hash) => hash % 2 === 0,
			(id) => dropped.push(id),
		);
		expect(dropped.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i + 1));
		expect(map.size).toBe(50);
		expect(map.get(2)).toBe(6);
		expect(map.get(3)).toBeUndefined();
	});

	test("agrees with a Map under random operations (growth and backward-shift deletes)", () => {
		fc.assert(
			fc.property(
				fc.array(fc.tuple(fc.boolean(), fc.nat(300), fc.nat()), { maxLength: 500 }),
				(ops) => {
					const map = new IdHashMap();
					const model = new Map<number, number>();
					for (const [set, id, hash] of ops) {
						if (set) {
							map.set(id, hash);
							model.set(id, hash >>> 0);
						} else {
							map.delete(id);
							model.delete(id);
						}
					}
					expect(map.size).toBe(model.size);
					for (let id = 0; id <= 300; id++) expect(map.get(id)).toBe(model.get(id));
				},
			),
			{ numRuns: 100 },
		);
	});
});
