import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { keyHash } from "../../edge/policy/key-hash.ts";
import { S3FifoPolicy } from "../../edge/policy/s3-fifo-policy.ts";

function walk(policy: S3FifoPolicy, first: number): number[] {
	const ids: number[] = [];
	for (let id = first; id !== -1 && ids.length < 100; id = policy.nextVictim(id)) ids.push(id);
	return ids;
}

describe("S3FifoPolicy (the tier's adaptation of S3-FIFO)", () => {
	test("new entries start in small and leave it first in, first out", () => {
		const p = new S3FifoPolicy();
		for (const id of [0, 1, 2]) p.inserted(id, 100 + id);
		expect([0, 1, 2].map((id) => p.locate(id))).toEqual(["small", "small", "small"]);
		expect(p.nextVictim(-1)).toBe(0);
		p.removed(0, 100);
		expect(p.nextVictim(-1)).toBe(1);
	});

	test("an entry used while in small moves to main instead of leaving", () => {
		const p = new S3FifoPolicy();
		for (const id of [0, 1]) p.inserted(id, 100 + id);
		p.accessed(0);
		expect(p.nextVictim(-1)).toBe(1);
		expect(p.locate(0)).toBe("main");
	});

	test("a key evicted from small comes back into main (the ghost)", () => {
		const p = new S3FifoPolicy();
		p.inserted(0, keyHash("/a"));
		p.inserted(1, keyHash("/b"));
		expect(p.nextVictim(-1)).toBe(0);
		p.removed(0, keyHash("/a"));
		p.inserted(0, keyHash("/a")); // the tier reused id 0 for /a again
		expect(p.locate(0)).toBe("main");
		p.inserted(2, keyHash("/c")); // never seen: small
		expect(p.locate(2)).toBe("small");
	});

	test("ghost hits: a key evicted from small that comes back grows small's share", () => {
		const p = new S3FifoPolicy({ split: "ghost-hits" });
		for (let id = 0; id < 10; id++) p.inserted(id, 100 + id);
		expect(p.nextVictim(-1)).toBe(0);
		p.removed(0, 100);
		p.inserted(0, 100);
		expect(p.locate(0)).toBe("main");
		expect(p.smallShare).toBeGreaterThan(0.1);
	});

	test("ghost hits: a key evicted from main comes back into main and shrinks small's share", () => {
		const p = new S3FifoPolicy({ split: "ghost-hits" });
		p.inserted(0, 100);
		p.accessed(0);
		p.inserted(1, 101);
		expect(p.nextVictim(-1)).toBe(1); // 0 moves to main
		p.removed(1, 101);
		// Only main is left: 0's promotion spent its credit, so it is the victim.
		expect(p.nextVictim(-1)).toBe(0);
		expect(p.locate(0)).toBe("main");
		p.removed(0, 100);
		for (let id = 2; id < 12; id++) p.inserted(id, 100 + id);
		p.inserted(0, 100);
		expect(p.locate(0)).toBe("main");
		expect(p.smallShare).toBeLessThan(0.1);
	});

	test("fixed keeps the paper's split and forgets what main evicts", () => {
		const p = new S3FifoPolicy({ split: "fixed" });
		p.inserted(0, 100);
		p.accessed(0);
		p.inserted(1, 101);
		expect(p.nextVictim(-1)).toBe(1);
		p.removed(1, 101);
		p.inserted(1, 101); // back from the small ghost: main
		expect(p.locate(1)).toBe("main");
		expect(p.nextVictim(-1)).toBe(0);
		p.removed(0, 100);
		p.inserted(0, 100); // evicted from main: not remembered, starts in small
		expect(p.locate(0)).toBe("small");
		expect(p.smallShare).toBe(0.1);
	});

	test("a ghost remembers as many keys as the tier held when it evicted, as the shadows do", () => {
		// Ten entries, each key used once (the tier reuses the victim's id): keys 1-20 leave
		// small for its ghost. The shadows and the replayer remember the last 10 (ghostShare 1
		// of the 10 held), so key 12, 10 evictions back when it returns (the tier evicts key 21
		// first), starts in main; counting the live entries after the victim left made it 9.
		const p = new S3FifoPolicy({ split: "fixed" });
		const keyOf: number[] = [];
		const request = (key: number): number => {
			let id = keyOf.length;
			if (id === 10) {
				id = p.nextVictim(-1);
				p.removed(id, keyOf[id] as number);
			}
			keyOf[id] = key;
			p.inserted(id, key);
			return id;
		};
		for (let key = 1; key <= 30; key++) request(key);
		expect(p.locate(request(12))).toBe("main");
		expect(p.locate(request(11))).toBe("small"); // 11 evictions back: forgotten
	});

	test("tuned (the default): every entry of a small tier is sampled, and uses still count as uses", () => {
		const p = new S3FifoPolicy();
		for (let id = 0; id < 10; id++) p.inserted(id, keyHash(`/k${id}`));
		expect(p.sampledEntries).toBe(10);
		p.accessed(0);
		expect(p.nextVictim(-1)).toBe(1); // 0 was used: it moves to main
		expect(p.locate(0)).toBe("main");
		for (let id = 0; id < 10; id++) p.removed(id, keyHash(`/k${id}`));
		expect(p.sampledEntries).toBe(0);
	});

	test("tuned: the key hashes kept for the simulations stay bounded as the tier grows", () => {
		const p = new S3FifoPolicy();
		const count = 200_000;
		p.grow(count);
		for (let id = 0; id < count; id++) p.inserted(id, keyHash(`/assets/${id}`));
		// Sampled at 1/64 (200,000 / 64 = 3125 per shadow): about 3125 ids, whatever the tier.
		expect(p.sampledEntries).toBeGreaterThan(2500);
		expect(p.sampledEntries).toBeLessThan(4000);
	});

	test("removing an entry by delete (not eviction) does not put its key in the ghost", () => {
		const p = new S3FifoPolicy();
		p.inserted(0, keyHash("/a"));
		p.removed(0, keyHash("/a"));
		p.inserted(0, keyHash("/a"));
		expect(p.locate(0)).toBe("small");
	});

	test("main gives an entry another round per use, up to three", () => {
		const p = new S3FifoPolicy();
		p.inserted(0, 1);
		p.accessed(0);
		p.inserted(1, 2);
		expect(p.nextVictim(-1)).toBe(1); // 0 moves to main, 1 is the victim
		p.removed(1, 2);
		for (let i = 0; i < 10; i++) p.accessed(0);
		p.inserted(2, 3);
		p.accessed(2);
		p.inserted(3, 4);
		// Small holds 2 (used) and 3: 2 goes to main, 3 leaves.
		expect(p.nextVictim(-1)).toBe(3);
		p.removed(3, 4);
		// Now only main: 0 has three credits, 2 has none after its move.
		expect(p.nextVictim(-1)).toBe(2);
	});

	test("the candidate walk visits every live entry once, small first, with no side effects", () => {
		const p = new S3FifoPolicy();
		for (const id of [0, 1, 2, 3]) p.inserted(id, id);
		p.accessed(0);
		const first = p.nextVictim(-1); // 0, used, moves to main; 1 is the victim
		expect(first).toBe(1);
		expect(walk(p, first)).toEqual([1, 2, 3, 0]);
		expect(walk(p, first)).toEqual([1, 2, 3, 0]);
		expect(p.locate(0)).toBe("main");
	});

	test("removed is idempotent and an unknown id is ignored", () => {
		const p = new S3FifoPolicy();
		p.inserted(0, 1);
		p.removed(0, 1);
		p.removed(0, 1);
		p.removed(7, 0);
		expect(p.nextVictim(-1)).toBe(-1);
	});

	test("random operations: the victim is always live, -1 only when nothing is", () => {
		const op = fc.oneof(
			fc.record({ kind: fc.constant("insert" as const), id: fc.nat(40), key: fc.nat(60) }),
			fc.record({ kind: fc.constant("access" as const), id: fc.nat(40) }),
			fc.record({ kind: fc.constant("remove" as const), id: fc.nat(40) }),
			fc.record({ kind: fc.constant("evict" as const) }),
		);
		fc.assert(
			fc.property(fc.array(op, { maxLength: 300, size: "max" }), (ops) => {
				const p = new S3FifoPolicy();
				const live = new Set<number>();
				const keys = new Map<number, number>();
				for (const o of ops) {
					if (o.kind === "insert") {
						p.inserted(o.id, o.key);
						live.add(o.id);
						keys.set(o.id, o.key);
					} else if (o.kind === "access") p.accessed(o.id);
					else if (o.kind === "remove") {
						p.removed(o.id, keys.get(o.id) ?? 0);
						live.delete(o.id);
					} else {
						const victim = p.nextVictim(-1);
						if (live.size === 0) expect(victim).toBe(-1);
						else {
							expect(live.has(victim)).toBe(true);
							expect(new Set(walk(p, victim))).toEqual(live);
							p.removed(victim, keys.get(victim) ?? 0);
							live.delete(victim);
						}
					}
				}
			}),
			{ numRuns: 200 },
		);
	});
});
