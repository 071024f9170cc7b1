// The least useful large-store budget is measured against the real pair createL0 builds: a
// budget just under it stores nothing over the slab's gate, one at it stores such an object.
import { describe, expect, test } from "bun:test";
import { createL0 } from "../../edge/store/l0.ts";
import { isUsefulLargeMb, LEAST_LARGE_MB } from "../../edge/store/large-budget.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { bodyOf, meta } from "./meta-helpers.ts";

/** Stores an object of `size` bytes through L0 with a large store of `largeMb`. */
function storeThroughL0(largeMb: number, size: number) {
	const l0 = createL0(new TsSlab({ capacityBytes: 8 << 20 }), largeMb * 2 ** 20);
	const writer = l0.storage.beginWrite("k", meta("h"), size);
	writer.write(bodyOf(size));
	return writer.commit();
}

describe("large store budgets", () => {
	const justOverTheGate = (1 << 20) + 1024;

	test(`${LEAST_LARGE_MB} MiB is the least budget that stores an object over the slab's 1 MiB gate`, async () => {
		expect(await storeThroughL0(LEAST_LARGE_MB - 1, justOverTheGate)).toEqual({
			stored: false,
			reason: "too-large",
		});
		expect(await storeThroughL0(LEAST_LARGE_MB, justOverTheGate)).toEqual({ stored: true });
	});

	test("0 (off) and budgets from the least up are useful; 1 MiB to just under it are not", () => {
		expect(isUsefulLargeMb(0)).toBe(true);
		for (let mb = 1; mb < LEAST_LARGE_MB; mb++) expect(isUsefulLargeMb(mb)).toBe(false);
		expect(isUsefulLargeMb(LEAST_LARGE_MB)).toBe(true);
		expect(isUsefulLargeMb(65_536)).toBe(true);
	});
});
