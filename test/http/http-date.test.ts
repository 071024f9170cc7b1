import { describe, expect, test } from "bun:test";
import { formatHttpDate, parseHttpDate } from "../../edge/http/http-date.ts";

const NOW = Date.UTC(2024, 5, 1);
const EXAMPLE = Date.UTC(1994, 10, 6, 8, 49, 37);

describe("parseHttpDate", () => {
	const cases: [string, string | null, number | undefined][] = [
		["RFC 9110 §5.6.7: IMF-fixdate", "Sun, 06 Nov 1994 08:49:37 GMT", EXAMPLE],
		["RFC 9110 §5.6.7: obsolete RFC 850 format", "Sunday, 06-Nov-94 08:49:37 GMT", EXAMPLE],
		["RFC 9110 §5.6.7: obsolete asctime format", "Sun Nov  6 08:49:37 1994", EXAMPLE],
		[
			"RFC 9110 §5.6.7: asctime with a two-digit day",
			"Sun Nov 16 08:49:37 1994",
			Date.UTC(1994, 10, 16, 8, 49, 37),
		],
		["RFC 9111 §4.2: caches match case-insensitively", "sun, 06 nov 1994 08:49:37 gmt", EXAMPLE],
		[
			"RFC 9110 §5.6.7: RFC 850 year 30 is 2030 (not > 50 years ahead)",
			"Sunday, 06-Nov-30 08:49:37 GMT",
			Date.UTC(2030, 10, 6, 8, 49, 37),
		],
		[
			"RFC 9110 §5.6.7: RFC 850 year 80 is 1980 (2080 is > 50 years ahead)",
			"Sunday, 06-Nov-80 08:49:37 GMT",
			Date.UTC(1980, 10, 6, 8, 49, 37),
		],
		[
			"RFC 9110 §5.6.7: leap second 23:59:60",
			"Sat, 31 Dec 2016 23:59:60 GMT",
			Date.UTC(2017, 0, 1),
		],
		["RFC 9111 §4.2: a zone other than GMT is invalid", "Sun, 06 Nov 1994 08:49:37 PST", undefined],
		["RFC 9111 §4.2: a numeric zone is invalid", "Sun, 06 Nov 1994 08:49:37 +0000", undefined],
		['RFC 9111 §5.3: "0" is invalid', "0", undefined],
		["RFC 9110 §5.6.7: 31 Feb is invalid", "Mon, 31 Feb 1994 08:49:37 GMT", undefined],
		["RFC 9110 §5.6.7: hour 24 is invalid", "Sun, 06 Nov 1994 24:00:00 GMT", undefined],
		["RFC 9110 §5.6.7: an unknown month is invalid", "Sun, 06 Foo 1994 08:49:37 GMT", undefined],
		["RFC 9110 §5.6.7: a one-digit IMF day is invalid", "Sun, 6 Nov 1994 08:49:37 GMT", undefined],
		[
			"RFC 9111 §4.2.1: two joined Expires lines are invalid",
			"Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
			undefined,
		],
		["RFC 9110 §5.6.7: absent", null, undefined],
		["RFC 9110 §5.6.7: empty", "", undefined],
	];
	for (const [title, input, expected] of cases) {
		test(title, () => expect(parseHttpDate(input, NOW)).toBe(expected));
	}
});

const EPOCH_1994 = Date.UTC(1994, 10, 6, 8, 49, 37);

describe("parseHttpDate (RFC 9110 §5.6.7)", () => {
	test.each([
		["IMF-fixdate", "Sun, 06 Nov 1994 08:49:37 GMT", EPOCH_1994],
		["obsolete RFC 850", "Sunday, 06-Nov-94 08:49:37 GMT", EPOCH_1994],
		["asctime", "Sun Nov  6 08:49:37 1994", EPOCH_1994],
		["surrounding whitespace", "  Sun, 06 Nov 1994 08:49:37 GMT ", EPOCH_1994],
		["not GMT", "Sun, 06 Nov 1994 08:49:37 UTC", undefined],
		// RFC 9111 §4.2: a cache recipient SHOULD match dates case-insensitively.
		["lowercase month (RFC 9111 §4.2)", "Sun, 06 nov 1994 08:49:37 GMT", EPOCH_1994],
		["day out of month", "Thu, 31 Feb 2022 00:00:00 GMT", undefined],
		["hour out of range", "Sun, 06 Nov 1994 24:00:00 GMT", undefined],
		["a bare year", "1994", undefined],
		["two dates joined", "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT", undefined],
		["absurdly long", `Sun, 06 Nov 1994 08:49:37 GMT${" x".repeat(10000)}`, undefined],
		["absent", null, undefined],
	] as [string, string | null, number | undefined][])("%s", (_name, text, expected) => {
		expect(parseHttpDate(text)).toBe(expected);
	});

	test("formats IMF-fixdate that parses back", () => {
		expect(formatHttpDate(EPOCH_1994)).toBe("Sun, 06 Nov 1994 08:49:37 GMT");
		expect(parseHttpDate(formatHttpDate(EPOCH_1994))).toBe(EPOCH_1994);
	});
});
