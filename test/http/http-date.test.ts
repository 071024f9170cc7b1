import { describe, expect, test } from "bun:test";
import { formatHttpDate, parseHttpDate } from "../../edge/http/http-date.ts";

const EPOCH_1994 = Date.UTC(1994, 10, 6, 8, 49, 37);

describe("parseHttpDate (RFC 9110 §5.6.7)", () => {
	test.each([
		["IMF-fixdate", "Sun, 06 Nov 1994 08:49:37 GMT", EPOCH_1994],
		["obsolete RFC 850", "Sunday, 06-Nov-94 08:49:37 GMT", EPOCH_1994],
		["asctime", "Sun Nov  6 08:49:37 1994", EPOCH_1994],
		["surrounding whitespace", "  Sun, 06 Nov 1994 08:49:37 GMT ", EPOCH_1994],
		["not GMT", "Sun, 06 Nov 1994 08:49:37 UTC", undefined],
		["lowercase month", "Sun, 06 nov 1994 08:49:37 GMT", undefined],
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
