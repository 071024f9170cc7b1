import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	type AgeInputs,
	apparentAgeSeconds,
	correctedAgeValueSeconds,
	correctedInitialAgeSeconds,
	currentAgeSeconds,
	parseAgeValue,
	residentTimeSeconds,
	responseDelaySeconds,
} from "../../edge/http/age.ts";
import { DELTA_SECONDS_INFINITY } from "../../edge/http/delta-seconds.ts";

const T0 = Date.UTC(2024, 0, 1);
const base: AgeInputs = {
	requestTimeMs: T0,
	responseTimeMs: T0 + 2_000,
	nowMs: T0 + 12_000,
	dateValueMs: T0 - 5_000,
	ageValueSeconds: 30,
};

describe("parseAgeValue", () => {
	const cases: [string, string | null, number][] = [
		["RFC 9111 §5.1: an integer", "60", 60],
		["RFC 9111 §5.1: a list uses its first member", "60, 7", 60],
		["RFC 9111 §5.1: invalid is ignored (0)", "-1", 0],
		["RFC 9111 §5.1: non-numeric is ignored (0)", "abc", 0],
		["RFC 9111 §4.2.3: absent is 0", null, 0],
		["RFC 9111 §1.2.2: huge is 2^31", "99999999999999", DELTA_SECONDS_INFINITY],
	];
	for (const [title, input, expected] of cases)
		test(title, () => expect(parseAgeValue(input)).toBe(expected));
});

describe("age calculation", () => {
	test("RFC 9111 §4.2.3: each term of the calculation", () => {
		expect(apparentAgeSeconds(base)).toBe(7);
		expect(responseDelaySeconds(base)).toBe(2);
		expect(correctedAgeValueSeconds(base)).toBe(32);
		expect(correctedInitialAgeSeconds(base)).toBe(32);
		expect(residentTimeSeconds(base)).toBe(10);
		expect(currentAgeSeconds(base)).toBe(42);
	});

	const cases: [string, Partial<AgeInputs>, number][] = [
		[
			"RFC 9111 §4.2.3: apparent_age wins when larger than Age",
			{ ageValueSeconds: 0, dateValueMs: T0 - 100_000 },
			102 + 10,
		],
		[
			"RFC 9111 §4.2.3: a Date in the future gives apparent_age 0",
			{ ageValueSeconds: 0, dateValueMs: T0 + 60_000 },
			2 + 10,
		],
		[
			"RFC 9110 §6.6.1: no Date → date_value is response_time",
			{ ageValueSeconds: 0, dateValueMs: undefined },
			2 + 10,
		],
		[
			"RFC 9111 §1.2.2: huge Age stays at 2^31",
			{ ageValueSeconds: DELTA_SECONDS_INFINITY },
			DELTA_SECONDS_INFINITY,
		],
		[
			"RFC 9111 §4.2.3: a clock stepping back never makes the age negative",
			{
				nowMs: T0 - 1_000_000,
				requestTimeMs: T0 + 9_000,
				ageValueSeconds: 0,
				dateValueMs: undefined,
			},
			0,
		],
	];
	for (const [title, change, expected] of cases) {
		test(title, () => expect(currentAgeSeconds({ ...base, ...change })).toBe(expected));
	}

	test("RFC 9111 §4.2.3: current_age never decreases as now advances", () => {
		fc.assert(
			fc.property(fc.nat(1e9), fc.nat(1e9), fc.nat(1e6), fc.nat(1e6), (a, b, age, skew) => {
				const inputs = { ...base, ageValueSeconds: age, dateValueMs: T0 - skew * 1000 };
				const earlier = currentAgeSeconds({ ...inputs, nowMs: T0 + Math.min(a, b) });
				const later = currentAgeSeconds({ ...inputs, nowMs: T0 + Math.max(a, b) });
				expect(later).toBeGreaterThanOrEqual(earlier);
			}),
		);
	});
});
