import { describe, expect, test } from "bun:test";
import { EntryTable } from "../../edge/store/entry-table.ts";

describe("EntryTable pins", () => {
	test("an entry is pinned until its last reader releases it", () => {
		const table = new EntryTable(16, () => {});
		const id = table.allocateId();
		expect(table.isPinned(id)).toBe(false);
		table.pin(id);
		table.pin(id);
		expect(table.isPinned(id)).toBe(true);
		expect(table.unpin(id)).toBe(false);
		expect(table.isPinned(id)).toBe(true);
		expect(table.unpin(id)).toBe(true);
		expect(table.isPinned(id)).toBe(false);
	});

	test("pins of one entry leave its neighbours unpinned", () => {
		const table = new EntryTable(16, () => {});
		const [a, b] = [table.allocateId(), table.allocateId()];
		table.pin(a);
		expect(table.isPinned(b)).toBe(false);
		table.pin(b);
		expect(table.unpin(a)).toBe(true);
		expect(table.isPinned(a)).toBe(false);
		expect(table.isPinned(b)).toBe(true);
	});

	test("releasing an entry that holds no pin says it was the last and pins nothing", () => {
		const table = new EntryTable(16, () => {});
		const id = table.allocateId();
		expect(table.unpin(id)).toBe(true);
		expect(table.isPinned(id)).toBe(false);
		table.pin(id);
		expect(table.isPinned(id)).toBe(true);
		expect(table.unpin(id)).toBe(true);
	});

	test("pins survive the table growing, and new ids start unpinned", () => {
		const capacities: number[] = [];
		const table = new EntryTable(16, (capacity) => capacities.push(capacity));
		const first = table.allocateId();
		table.pin(first);
		table.pin(first);
		const ids = Array.from({ length: 40 }, () => table.allocateId());
		expect(capacities.length).toBeGreaterThan(0);
		expect(table.isPinned(first)).toBe(true);
		for (const id of ids) expect(table.isPinned(id)).toBe(false);
		expect(table.unpin(first)).toBe(false);
		expect(table.unpin(first)).toBe(true);
		expect(table.isPinned(first)).toBe(false);
	});

	test("a doomed entry is taken once, and only if it was doomed", () => {
		const table = new EntryTable(16, () => {});
		const [a, b] = [table.allocateId(), table.allocateId()];
		expect(table.takeDoomed(a)).toBe(false);
		table.doom(a);
		expect(table.takeDoomed(b)).toBe(false);
		expect(table.takeDoomed(a)).toBe(true);
		expect(table.takeDoomed(a)).toBe(false);
	});
});
