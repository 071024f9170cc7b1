import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ifRangeAllowsPartial } from "../../edge/http/if-range.ts";
import { DEFAULT_RANGE_POLICY, evaluateRange, type RangeOutcome } from "../../edge/http/range.ts";

type Case = [section: string, range: string | null, length: number, expected: RangeOutcome];

const part = (start: number, end: number, length: number): RangeOutcome => ({
	status: 206,
	start,
	end,
	contentRange: `bytes ${start}-${end}/${length}`,
	contentLength: end - start + 1,
});

const cases: Case[] = [
	["§14.2 no Range", null, 100, { status: 200, reason: "no-range" }],
	["§14.1.2 first 500 bytes", "bytes=0-499", 10000, part(0, 499, 10000)],
	["§14.1.2 second 500 bytes", "bytes=500-999", 10000, part(500, 999, 10000)],
	["§14.1.2 suffix range", "bytes=-500", 10000, part(9500, 9999, 10000)],
	["§14.1.2 open-ended", "bytes=9500-", 10000, part(9500, 9999, 10000)],
	["§14.1.2 last-pos past the end is clamped", "bytes=5-99999", 10, part(5, 9, 10)],
	["§14.1.2 suffix longer than representation", "bytes=-50", 10, part(0, 9, 10)],
	["§14.1 unit is case-insensitive", "Bytes=0-0", 10, part(0, 0, 10)],
	["§14.1.2 overlapping ranges coalesce", "bytes=500-600,601-999", 10000, part(500, 999, 10000)],
	["§14.1.2 overlapping ranges coalesce", "bytes=500-700,601-999", 10000, part(500, 999, 10000)],
	["§14.2 close ranges coalesce (gap < 80)", "bytes=0-9, 20-29", 1000, part(0, 29, 1000)],
	["§14.2 OWS around list members", "bytes= 0-9 , 10-19", 100, part(0, 19, 100)],
	[
		"§14.2 distant ranges: full 200",
		"bytes=0-0,-1",
		10000,
		{ status: 200, reason: "multiple-ranges" },
	],
	[
		"§14.2 first, middle and last: full 200",
		"bytes= 0-999, 4500-5499, -1000",
		10000,
		{ status: 200, reason: "multiple-ranges" },
	],
	[
		"§14.1.2 first-pos at length: 416",
		"bytes=10-",
		10,
		{ status: 416, contentRange: "bytes */10" },
	],
	["§14.1.2 zero suffix: 416", "bytes=-0", 10, { status: 416, contentRange: "bytes */10" }],
	[
		"§14.1.2 none satisfiable: 416",
		"bytes=20-30,40-",
		10,
		{ status: 416, contentRange: "bytes */10" },
	],
	["§14.1.1 one satisfiable is enough", "bytes=20-30,0-1", 10, part(0, 1, 10)],
	["§14.1.1 last < first is invalid", "bytes=5-4", 10, { status: 200, reason: "invalid" }],
	["§14.1.1 last = first is one byte", "bytes=5-5", 10, part(5, 5, 10)],
	["§14.1.1 one invalid spec voids all", "bytes=0-1,x-2", 10, { status: 200, reason: "invalid" }],
	["§14.1.1 missing '='", "bytes 0-1", 10, { status: 200, reason: "invalid" }],
	["§14.1.1 bare dash", "bytes=-", 10, { status: 200, reason: "invalid" }],
	["§14.1.1 no range-spec", "bytes=", 10, { status: 200, reason: "invalid" }],
	["§14.1.1 negative numbers", "bytes=--5", 10, { status: 200, reason: "invalid" }],
	["§14.1.1 signs are not digits", "bytes=+1-5", 10, { status: 200, reason: "invalid" }],
	["§14.2 unknown unit ignored", "items=0-5", 10, { status: 200, reason: "unknown-unit" }],
	["§14.2 empty representation", "bytes=0-5", 0, { status: 200, reason: "empty-representation" }],
	[
		"§14.1.2 huge numerals do not overflow",
		"bytes=0-99999999999999999999999999",
		10,
		part(0, 9, 10),
	],
	[
		"§14.1.2 huge first-pos is unsatisfiable",
		"bytes=99999999999999999999999999-",
		10,
		{ status: 416, contentRange: "bytes */10" },
	],
	[
		"§14.2/§17.15 too many ranges: ignored",
		`bytes=${Array.from({ length: 17 }, (_, i) => `${i}-${i}`).join(",")}`,
		100,
		{ status: 200, reason: "too-many-ranges" },
	],
	[
		"§14.2/§17.15 many overlapping ranges: ignored",
		`bytes=${Array.from({ length: 50 }, () => "0-").join(",")}`,
		100,
		{ status: 200, reason: "too-many-ranges" },
	],
	[
		"§17.15 absurdly long field: ignored unparsed",
		`bytes=0-1${" ".repeat(5000)}`,
		100,
		{ status: 200, reason: "too-long" },
	],
];

describe("evaluateRange (RFC 9110 §14)", () => {
	test.each(cases)("%s", (_section, range, length, expected) => {
		expect(evaluateRange(range, length)).toEqual(expected);
	});

	test("property: never throws; a 206 lies within the representation", () => {
		fc.assert(
			fc.property(
				fc.oneof(
					fc.string(),
					fc
						.array(
							fc.oneof(
								fc.tuple(fc.nat(2000), fc.option(fc.nat(2000))).map(([a, b]) => `${a}-${b ?? ""}`),
								fc.nat(2000).map((n) => `-${n}`),
							),
							{ minLength: 1, maxLength: 20 },
						)
						.map((specs) => `bytes=${specs.join(",")}`),
				),
				fc.nat(3000),
				(range, length) => {
					const outcome = evaluateRange(range, length);
					if (outcome.status === 206) {
						expect(outcome.start).toBeGreaterThanOrEqual(0);
						expect(outcome.end).toBeLessThan(length);
						expect(outcome.start).toBeLessThanOrEqual(outcome.end);
						expect(outcome.contentLength).toBe(outcome.end - outcome.start + 1);
					}
					if (outcome.status === 416) expect(outcome.contentRange).toBe(`bytes */${length}`);
				},
			),
		);
	});

	test("the range limit is a policy", () => {
		const policy = { ...DEFAULT_RANGE_POLICY, maxRanges: 1 };
		expect(evaluateRange("bytes=0-1,2-3", 10, policy)).toEqual({
			status: 200,
			reason: "too-many-ranges",
		});
	});
});

const strongStored = {
	etag: '"v1"',
	lastModified: "Sun, 06 Nov 1994 08:49:37 GMT",
	date: "Sun, 06 Nov 1994 09:00:00 GMT",
};

type IfRangeCase = [
	section: string,
	ifRange: string | null,
	stored: typeof strongStored,
	ok: boolean,
];

const ifRangeCases: IfRangeCase[] = [
	["§13.1.5 absent", null, strongStored, true],
	["§13.1.5 strong ETag match", '"v1"', strongStored, true],
	["§13.1.5 ETag mismatch", '"v2"', strongStored, false],
	["§13.1.5 weak ETag never matches", 'W/"v1"', strongStored, false],
	["§13.1.5 weak stored ETag never matches", '"v1"', { ...strongStored, etag: 'W/"v1"' }, false],
	["§13.1.5 exact date match", "Sun, 06 Nov 1994 08:49:37 GMT", strongStored, true],
	["§13.1.5 later date is not exact", "Sun, 06 Nov 1994 08:49:38 GMT", strongStored, false],
	[
		"§8.8.2.2 date not a second before Date is weak",
		"Sun, 06 Nov 1994 08:49:37 GMT",
		{ ...strongStored, date: "Sun, 06 Nov 1994 08:49:37 GMT" },
		false,
	],
	["§13.1.5 garbage", "yesterday", strongStored, false],
	["§13.1.5 malformed entity-tag", '"v1', strongStored, false],
];

describe("ifRangeAllowsPartial (RFC 9110 §13.1.5)", () => {
	test.each(ifRangeCases)("%s: %p", (_section, ifRange, stored, ok) => {
		expect(ifRangeAllowsPartial(ifRange, stored)).toBe(ok);
	});
});
