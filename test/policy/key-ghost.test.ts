import { describe, expect, test } from "bun:test";
import { KeyGhost } from "../../edge/policy/key-ghost.ts";

describe("KeyGhost", () => {
	test("remembers a hash until it is forgotten once", () => {
		const ghost = new KeyGhost(() => 10);
		ghost.remember(7);
		expect(ghost.forget(7)).toBe(true);
		expect(ghost.forget(7)).toBe(false);
		expect(ghost.forget(8)).toBe(false);
	});

	test("a hash remembered twice is forgotten twice", () => {
		const ghost = new KeyGhost(() => 10);
		ghost.remember(7);
		ghost.remember(7);
		expect(ghost.forget(7)).toBe(true);
		expect(ghost.forget(7)).toBe(true);
		expect(ghost.forget(7)).toBe(false);
	});

	test("holds at most max(1024, capacity) hashes, dropping the oldest", () => {
		const ghost = new KeyGhost(() => 2000);
		for (let hash = 0; hash < 5000; hash++) ghost.remember(hash);
		// The ring doubles from 1024 while under capacity: 2048 slots.
		expect(ghost.length).toBe(2048);
		expect(ghost.forget(0)).toBe(false);
		expect(ghost.forget(5000 - 2048 - 1)).toBe(false);
		expect(ghost.forget(5000 - 2048)).toBe(true);
		expect(ghost.forget(4999)).toBe(true);
	});
});
