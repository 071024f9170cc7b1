import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ClockPolicy } from "../../edge/policy/clock.ts";

/** The first `steps` candidates, following nextVictim(prev) from nextVictim(-1). */
function walk(policy: ClockPolicy, steps: number): number[] {
	const seen: number[] = [];
	let id = policy.nextVictim(-1);
	while (id !== -1 && seen.length < steps) {
		seen.push(id);
		id = policy.nextVictim(id);
	}
	return seen;
}

function withIds(ids: number[], capacity = 16): ClockPolicy {
	const policy = new ClockPolicy(capacity);
	for (const id of ids) policy.inserted(id);
	return policy;
}

describe("ClockPolicy", () => {
	test("is named clock and has no victim while empty", () => {
		const policy = new ClockPolicy(8);
		expect(policy.name).toBe("clock");
		expect(policy.nextVictim(-1)).toBe(-1);
	});

	test("has no victim once every entry is removed", () => {
		const policy = withIds([0, 1, 2]);
		for (const id of [0, 1, 2]) policy.removed(id);
		expect(policy.nextVictim(-1)).toBe(-1);
	});

	test("new entries start unreferenced: the first one under the hand is the victim", () => {
		const policy = withIds([0, 1, 2]);
		expect(policy.nextVictim(-1)).toBe(0);
		// Asking again without removing it gives the same answer.
		expect(policy.nextVictim(-1)).toBe(0);
	});

	test("unreferenced entries are victims before referenced ones", () => {
		const policy = withIds([0, 1, 2, 3]);
		for (const id of [0, 1, 2]) policy.accessed(id);
		expect(policy.nextVictim(-1)).toBe(3);
	});

	test("the hand clears reference bits as it passes: a second chance, not immunity", () => {
		const policy = withIds([0, 1, 2, 3]);
		policy.accessed(0);
		policy.accessed(2);
		expect(policy.nextVictim(-1)).toBe(1); // 0 spared, its bit cleared
		policy.removed(1);
		expect(policy.nextVictim(-1)).toBe(3); // 2 spared, its bit cleared
		policy.removed(3);
		expect(policy.nextVictim(-1)).toBe(0); // 0 used its second chance
		policy.removed(0);
		expect(policy.nextVictim(-1)).toBe(2);
	});

	test("an access after the sweep earns a fresh second chance", () => {
		const policy = withIds([0, 1, 2]);
		policy.accessed(0);
		expect(policy.nextVictim(-1)).toBe(1);
		policy.removed(1);
		policy.accessed(0);
		expect(policy.nextVictim(-1)).toBe(2);
	});

	test("with every entry referenced it still finds a victim, clearing the bits it passed", () => {
		const policy = withIds([0, 1, 2]);
		for (const id of [0, 1, 2]) policy.accessed(id);
		expect(policy.nextVictim(-1)).toBe(0);
		// The full sweep cleared 1 and 2: re-referencing 0 makes 1 the victim.
		policy.accessed(0);
		expect(policy.nextVictim(-1)).toBe(1);
	});

	test("a re-inserted id starts unreferenced even if it was referenced before", () => {
		const policy = withIds([0, 1]);
		policy.accessed(0);
		policy.accessed(1);
		policy.removed(0);
		policy.inserted(0);
		expect(policy.nextVictim(-1)).toBe(0);
	});

	test("a removed id is never returned, even when the hand rests on it", () => {
		const policy = withIds([0, 1, 2, 3]);
		expect(policy.nextVictim(-1)).toBe(0);
		policy.removed(0);
		policy.removed(2);
		expect(walk(policy, 2)).toEqual([1, 3]);
	});

	test("walking with after visits each unreferenced live id once, in hand order", () => {
		const policy = withIds([0, 1, 2, 3, 4, 5]);
		policy.removed(2);
		expect(walk(policy, 5)).toEqual([0, 1, 3, 4, 5]);
		// Evict at the hand twice: it moves on to 3, so the walk starts there and wraps around.
		policy.removed(0);
		expect(policy.nextVictim(-1)).toBe(1);
		policy.removed(1);
		expect(policy.nextVictim(-1)).toBe(3);
		policy.inserted(0);
		expect(walk(policy, 4)).toEqual([3, 4, 5, 0]);
	});

	test("walking with after does not move the hand", () => {
		const policy = withIds([0, 1, 2, 3]);
		expect(policy.nextVictim(-1)).toBe(0);
		policy.removed(0);
		expect(policy.nextVictim(1)).toBe(2);
		expect(policy.nextVictim(2)).toBe(3);
		expect(policy.nextVictim(-1)).toBe(1);
	});

	test("grow keeps presence and reference bits and accepts larger ids", () => {
		const policy = withIds([0, 1, 2, 3], 4);
		policy.accessed(0);
		policy.grow(2); // smaller than now: a no-op
		policy.grow(64);
		expect(policy.nextVictim(-1)).toBe(1);
		policy.inserted(63);
		for (const id of [1, 2, 3]) policy.removed(id);
		// 0 lost its bit to the first sweep; from the hand at 1, 63 comes before wrapping to 0.
		expect(policy.nextVictim(-1)).toBe(63);
		policy.removed(63);
		expect(policy.nextVictim(-1)).toBe(0);
	});

	test("nextVictim(-1) is always a live id, and -1 only when none is live", () => {
		const op = fc.record({
			kind: fc.constantFrom("insert", "access", "remove", "evict"),
			id: fc.nat(63),
		});
		fc.assert(
			fc.property(fc.array(op, { maxLength: 300, size: "max" }), (ops) => {
				const policy = new ClockPolicy(64);
				const live = new Set<number>();
				for (const { kind, id } of ops) {
					// Respect the contract: insert only new ids, access and remove only live ones.
					if (kind === "insert" && !live.has(id)) {
						policy.inserted(id);
						live.add(id);
					} else if (kind === "access" && live.has(id)) {
						policy.accessed(id);
					} else if (kind === "remove" && live.has(id)) {
						policy.removed(id);
						live.delete(id);
					} else if (kind === "evict") {
						const victim = policy.nextVictim(-1);
						if (victim !== -1) {
							policy.removed(victim);
							live.delete(victim);
						}
					}
					const victim = policy.nextVictim(-1);
					if (live.size === 0) expect(victim).toBe(-1);
					else expect(live.has(victim)).toBe(true);
				}
			}),
			{ numRuns: 200 },
		);
	});
});

describe("ClockPolicy candidate walk", () => {
	test("visits each live id once, ends in -1, and keeps reference bits", () => {
		const clock = new ClockPolicy(8);
		for (const id of [0, 1, 2]) clock.inserted(id);
		clock.accessed(1);
		expect(clock.nextVictim(-1)).toBe(0);
		const walk: number[] = [];
		// Bounded: a walk that never ends must fail here, not hang the suite.
		for (let id = clock.nextVictim(0); id !== -1 && walk.length < 10; id = clock.nextVictim(id)) {
			walk.push(id);
		}
		expect(walk).toEqual([1, 2]);
		// Had the walk cleared 1's bit, the next victim after removing 0 would be 1, not 2.
		clock.removed(0);
		expect(clock.nextVictim(-1)).toBe(2);
	});
});
