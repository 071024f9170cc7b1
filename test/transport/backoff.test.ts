import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { backoffDelayMs } from "../../cluster/transport/backoff.ts";

const policy = { baseMs: 50, maxMs: 1_000 };

describe("backoffDelayMs", () => {
	test("doubles per attempt, with the random share between half and all of the step", () => {
		expect([0, 1, 2, 3].map((a) => backoffDelayMs(policy, a, () => 0))).toEqual([25, 50, 100, 200]);
		expect([0, 1, 2, 3].map((a) => backoffDelayMs(policy, a, () => 0.999_999))).toEqual([
			50, 100, 200, 400,
		]);
	});

	test("is capped, however many attempts (no overflow to Infinity or NaN)", () => {
		for (const attempt of [5, 10, 100, 2_000]) {
			expect(backoffDelayMs(policy, attempt, () => 0.5)).toBe(750);
		}
	});

	test("a random source out of [0, 1) counts as 0, not as a longer or negative delay", () => {
		for (const r of [1, -0.5, Number.NaN, 7]) expect(backoffDelayMs(policy, 0, () => r)).toBe(25);
	});

	test("property: always within [step/2, step] and never above the cap", () => {
		fc.assert(
			fc.property(
				fc.nat({ max: 80 }),
				fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
				(attempt, r) => {
					const step = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
					const delay = backoffDelayMs(policy, attempt, () => r);
					expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
					expect(delay).toBeLessThanOrEqual(policy.maxMs);
				},
			),
		);
	});
});
