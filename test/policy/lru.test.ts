import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LruPolicy } from "../../edge/policy/lru.ts";

/** Every candidate the policy offers, best first, by following nextVictim(prev). */
function walk(policy: LruPolicy, limit = 1000): number[] {
	const seen: number[] = [];
	let id = policy.nextVictim(-1);
	while (id !== -1 && seen.length < limit) {
		seen.push(id);
		id = policy.nextVictim(id);
	}
	return seen;
}

describe("LruPolicy", () => {
	test("is named lru and has no victim while empty", () => {
		const policy = new LruPolicy(8);
		expect(policy.name).toBe("lru");
		expect(policy.nextVictim(-1)).toBe(-1);
		expect(walk(policy)).toEqual([]);
	});

	test("offers the oldest insertion first", () => {
		const policy = new LruPolicy(8);
		for (const id of [3, 1, 4]) policy.inserted(id);
		expect(policy.nextVictim(-1)).toBe(3);
		expect(walk(policy)).toEqual([3, 1, 4]);
	});

	test("an access makes the entry the most recently used", () => {
		const policy = new LruPolicy(8);
		for (const id of [0, 1, 2, 3]) policy.inserted(id);
		policy.accessed(0);
		expect(walk(policy)).toEqual([1, 2, 3, 0]);
		policy.accessed(2);
		expect(walk(policy)).toEqual([1, 3, 0, 2]);
		// Accessing the most recent entry changes nothing.
		policy.accessed(2);
		expect(walk(policy)).toEqual([1, 3, 0, 2]);
	});

	test("a removed entry is never offered again", () => {
		const policy = new LruPolicy(8);
		for (const id of [0, 1, 2, 3, 4]) policy.inserted(id);
		policy.removed(0); // the tail
		policy.removed(2); // the middle
		policy.removed(4); // the head
		expect(walk(policy)).toEqual([1, 3]);
		policy.removed(1);
		policy.removed(3);
		expect(policy.nextVictim(-1)).toBe(-1);
	});

	test("a removed id can be inserted again and counts as new", () => {
		const policy = new LruPolicy(8);
		for (const id of [0, 1, 2]) policy.inserted(id);
		policy.removed(0);
		policy.inserted(0);
		expect(walk(policy)).toEqual([1, 2, 0]);
	});

	test("walking the candidates visits each live id once, least recent first", () => {
		const policy = new LruPolicy(16);
		for (let id = 0; id < 10; id++) policy.inserted(id);
		for (const id of [5, 2, 9, 0]) policy.accessed(id);
		policy.removed(7);
		const order = walk(policy);
		expect(order).toEqual([1, 3, 4, 6, 8, 5, 2, 9, 0]);
		expect(new Set(order).size).toBe(order.length);
	});

	test("grow keeps the existing order and accepts larger ids", () => {
		const policy = new LruPolicy(4);
		for (const id of [0, 1, 2, 3]) policy.inserted(id);
		policy.accessed(1);
		policy.grow(2); // smaller than now: a no-op
		policy.grow(64);
		policy.inserted(40);
		policy.inserted(63);
		policy.accessed(0);
		expect(walk(policy)).toEqual([2, 3, 1, 40, 63, 0]);
	});

	test("nextVictim(-1) is the model's least recently used live id", () => {
		const op = fc.record({
			kind: fc.constantFrom("insert", "access", "remove"),
			id: fc.nat(63),
		});
		fc.assert(
			fc.property(fc.array(op, { maxLength: 300, size: "max" }), (ops) => {
				const policy = new LruPolicy(64);
				// Live ids, least recently used first.
				const model: number[] = [];
				for (const { kind, id } of ops) {
					const at = model.indexOf(id);
					// Respect the contract: insert only new ids, access and remove only live ones.
					if (kind === "insert" && at === -1) {
						policy.inserted(id);
						model.push(id);
					} else if (kind === "access" && at !== -1) {
						policy.accessed(id);
						model.splice(at, 1);
						model.push(id);
					} else if (kind === "remove" && at !== -1) {
						policy.removed(id);
						model.splice(at, 1);
					}
					expect(policy.nextVictim(-1)).toBe(model[0] ?? -1);
				}
				expect(walk(policy)).toEqual(model);
			}),
			{ numRuns: 200 },
		);
	});
});

describe("LruPolicy outside the happy path", () => {
	const walk = (lru: LruPolicy) => {
		const ids: number[] = [];
		for (let id = lru.nextVictim(-1); id !== -1; id = lru.nextVictim(id)) ids.push(id);
		return ids;
	};

	test("removing an id twice, or one never inserted, leaves the list intact", () => {
		const lru = new LruPolicy(8);
		for (const id of [0, 1, 2]) lru.inserted(id);
		lru.removed(1);
		lru.removed(1);
		lru.removed(5);
		expect(walk(lru)).toEqual([0, 2]);
	});

	test("inserting a live id again makes it most recent without losing others", () => {
		const lru = new LruPolicy(8);
		for (const id of [0, 1, 2]) lru.inserted(id);
		lru.inserted(1);
		expect(walk(lru)).toEqual([0, 2, 1]);
	});

	test("accessing an id that is not in the list does not link it", () => {
		const lru = new LruPolicy(8);
		lru.inserted(0);
		lru.accessed(3);
		expect(walk(lru)).toEqual([0]);
	});
});
