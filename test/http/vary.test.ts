import { describe, expect, test } from "bun:test";
import {
	acceptedStoredCodings,
	codingsAccepted,
	originAcceptEncoding,
} from "../../edge/http/accept-encoding.ts";
import {
	parseVary,
	type VarySpec,
	variantFieldValue,
	variantKey,
	variantMatches,
} from "../../edge/http/vary.ts";

describe("parseVary (RFC 9111 §4.1)", () => {
	test.each([
		["no Vary", null, { kind: "none" }],
		["empty Vary", " , ", { kind: "none" }],
		[
			"names sorted, lowercased, deduplicated",
			"Cookie, accept-encoding,ACCEPT-Encoding",
			{ kind: "fields", names: ["accept-encoding", "cookie"] },
		],
		["'*' never matches", "*", { kind: "star" }],
		["'*' among names", "Accept, *", { kind: "star" }],
		["garbage member", "Accept, a b", { kind: "star" }],
		["quoted garbage", '"accept"', { kind: "star" }],
		["too many fields", Array.from({ length: 17 }, (_, i) => `x-${i}`).join(","), { kind: "star" }],
	] as [string, string | null, VarySpec][])("%s", (_name, vary, expected) => {
		expect(parseVary(vary)).toEqual(expected);
	});
});

type MatchCase = [
	section: string,
	vary: string | null,
	stored: Record<string, string>,
	fresh: Record<string, string>,
	matches: boolean,
];

const matchCases: MatchCase[] = [
	["§4.1 no Vary matches any request", null, { accept: "a" }, { accept: "b" }, true],
	["§4.1 same value", "Accept", { accept: "text/html" }, { accept: "text/html" }, true],
	["§4.1 different value", "Accept", { accept: "text/html" }, { accept: "image/png" }, false],
	["§4.1 absent in both", "X-Theme", {}, {}, true],
	["§4.1 absent in one", "X-Theme", { "x-theme": "dark" }, {}, false],
	["§4.1 empty is not absent", "X-Theme", { "x-theme": "" }, {}, false],
	[
		"§4.1 field name case-insensitive",
		"x-THEME",
		{ "X-Theme": "dark" },
		{ "x-theme": "dark" },
		true,
	],
	["§4.1 whitespace normalized", "X-Theme", { "x-theme": "dark " }, { "x-theme": " dark" }, true],
	[
		"§4.1 list members re-spaced",
		"Accept-Language",
		{ "accept-language": "en-US,fr;q=0.5" },
		{ "accept-language": "en-us, fr ; q=0.5" },
		true,
	],
	[
		"§4.1 opaque values kept exact",
		"User-Agent",
		{ "user-agent": "a,b" },
		{ "user-agent": "a, b" },
		false,
	],
	[
		"§4.1 whitespace around an unknown field's commas is dropped (§5.6.1)",
		"Foo",
		{ foo: "1,2" },
		{ foo: " 1, 2 " },
		true,
	],
	[
		"§5.6.1 an unknown field's empty members are dropped",
		"Foo",
		{ foo: "1,,2" },
		{ foo: "1, 2," },
		true,
	],
	[
		"§4.1 an unknown field's members keep their order",
		"Foo",
		{ foo: "1,2" },
		{ foo: "2,1" },
		false,
	],
	[
		"§5.6.4 a comma inside a quoted string keeps its spaces",
		"Sec-CH-UA",
		{ "sec-ch-ua": '"A, B";v="1", "C"' },
		{ "sec-ch-ua": '"A,B";v="1","C"' },
		false,
	],
	[
		"§5.6.4 spaces between a structured list's members are dropped",
		"Sec-CH-UA",
		{ "sec-ch-ua": '"A, B";v="1", "C"' },
		{ "sec-ch-ua": '"A, B";v="1","C"' },
		true,
	],
	[
		"§12.5.4 languages are case-insensitive and re-spaced",
		"Accept-Language",
		{ "accept-language": "en, de" },
		{ "accept-language": " EN ,   De" },
		true,
	],
	[
		"§12.4.2 q=1.0 is no weight, and weights are compared as numbers",
		"Accept-Language",
		{ "accept-language": "de, fr;q=0.50" },
		{ "accept-language": "de;q=1.0, fr;q=0.5" },
		true,
	],
	[
		"§12.4.2 members of different weights are ordered by weight",
		"Accept-Language",
		{ "accept-language": "fr;q=0.5, de" },
		{ "accept-language": "de, fr;q=0.5" },
		true,
	],
	[
		"§12.5.4 equal weights keep their order: some recipients read it as a preference",
		"Accept-Language",
		{ "accept-language": "en, de" },
		{ "accept-language": "de, en" },
		false,
	],
	[
		"§12.4.2 an invalid weight leaves the order as sent",
		"Accept-Language",
		{ "accept-language": "fr;q=2, de" },
		{ "accept-language": "de, fr;q=2" },
		false,
	],
	[
		"§12.5.1 Accept media ranges are ordered by weight too",
		"Accept",
		{ accept: "text/html, application/json;q=0.9" },
		{ accept: "application/json;q=0.900, Text/HTML" },
		true,
	],
	[
		"§4.1 a Cookie keeps its exact value",
		"Cookie",
		{ cookie: "a=1, b=2" },
		{ cookie: "a=1,b=2" },
		false,
	],
	["§4.1 '*' never matches", "*", {}, {}, false],
	["§4.1 garbage Vary never matches", "Accept;q=1", {}, {}, false],
	[
		"§12.5.3 equivalent Accept-Encoding share a variant",
		"Accept-Encoding",
		{ "accept-encoding": "gzip, deflate, br" },
		{ "accept-encoding": "br;q=1.0, GZIP, zstd" },
		true,
	],
	[
		"§12.5.3 br vs gzip-only differ",
		"Accept-Encoding",
		{ "accept-encoding": "gzip, br" },
		{ "accept-encoding": "gzip" },
		false,
	],
	[
		"§12.5.3 q=0 excludes",
		"Accept-Encoding",
		{ "accept-encoding": "gzip, br;q=0" },
		{ "accept-encoding": "gzip" },
		true,
	],
];

describe("variantMatches (RFC 9111 §4.1)", () => {
	test.each(matchCases)("%s", (...[, vary, stored, fresh, matches]: MatchCase) => {
		expect(variantMatches(vary, new Headers(stored), new Headers(fresh))).toBe(matches);
	});

	test("repeated request lines combine like one line (§5.3)", () => {
		const split = new Headers();
		split.append("accept-language", "en");
		split.append("accept-language", "fr");
		expect(
			variantMatches("Accept-Language", split, new Headers({ "accept-language": "en,fr" })),
		).toBe(true);
	});

	test("variantKey is undefined for '*' and stable for order of Vary names", () => {
		const headers = new Headers({ a: "1", b: "2" });
		expect(variantKey(parseVary("*"), headers)).toBeUndefined();
		expect(variantKey(parseVary("A, B"), headers)).toBe(variantKey(parseVary("b,a"), headers));
	});
});

describe("acceptedStoredCodings (RFC 9110 §12.5.3)", () => {
	test.each([
		["§12.5.3 plain list", "gzip, deflate, br", ["br", "gzip", "identity"]],
		["§12.5.3 '*' covers unlisted", "*", ["br", "gzip", "identity"]],
		["§12.5.3 '*;q=0' excludes identity too", "gzip, *;q=0", ["gzip"]],
		["§12.5.3 identity;q=0", "br, identity;q=0", ["br"]],
		["§12.5.3 codings are case-insensitive", "GZip", ["gzip", "identity"]],
		["§12.4.2 invalid weight ignores the member", "br;q=2, gzip;q=abc", ["identity"]],
		["§12.4.2 q=0.000 is zero", "br;q=0.000", ["identity"]],
		["§12.5.3 empty field", "", ["identity"]],
		["§12.5.3 first weight wins for duplicates", "br;q=0, br", ["identity"]],
	] as [string, string, string[]][])("%s", (_name, field, expected) => {
		expect(acceptedStoredCodings(field)).toEqual(expected);
	});
});

describe("originAcceptEncoding: what the origin is asked for is what the variant key holds", () => {
	test.each([
		["a browser's list, zstd included", "gzip, deflate, br, zstd", "br, gzip"],
		["deflate alone leaves identity", "deflate", "identity"],
		["identity alone", "identity", "identity"],
		["identity excluded", "gzip, identity;q=0", "gzip, identity;q=0"],
		["nothing acceptable", "zstd, *;q=0", "identity;q=0"],
		["'*' accepts every stored coding", "*", "br, gzip"],
		["an empty field accepts identity only", "", "identity"],
	] as [string, string, string][])("%s", (_name, field, expected) => {
		expect(originAcceptEncoding(field)).toBe(expected);
	});

	test("an absent field stays absent", () => expect(originAcceptEncoding(null)).toBeNull());

	test("two fields with one variant key are forwarded alike, and the forwarded field keys the same", () => {
		const variant = (field: string) =>
			variantKey(parseVary("accept-encoding"), new Headers({ "accept-encoding": field }));
		for (const [a, b] of [
			["gzip, deflate, br, zstd", "br;q=0.5, gzip"],
			["deflate", "identity"],
		] as const) {
			expect(variant(a)).toBe(variant(b));
			expect(originAcceptEncoding(a)).toBe(originAcceptEncoding(b));
			expect(variant(originAcceptEncoding(a) as string)).toBe(variant(a));
		}
	});
});

describe("codingsAccepted: a stored Accept-Encoding variant holds only codings its clients decode", () => {
	const cases: [string | null, string | null, boolean][] = [
		["gzip", "gzip, br", true],
		["gzip", "identity", false], // an origin that ignored the field
		["br", "gzip", false],
		["zstd", "gzip, br", false],
		["gzip, br", "gzip, br", true], // a double coding needs both
		["gzip, br", "br", false],
		["GZIP", "gzip", true],
		["x-gzip", "gzip", true], // RFC 9110 §8.4.1.3
		["gzip", "*", true],
		["gzip", "*, gzip;q=0", false],
		["identity", "identity;q=0", true], // identity may always be sent
		[null, "br", true],
		["gzip", null, true], // no field: any coding is acceptable (§12.5.3)
	];
	for (const [coding, accept, expected] of cases)
		test(`Content-Encoding ${coding} for Accept-Encoding ${accept}: ${expected}`, () => {
			expect(codingsAccepted(coding, accept)).toBe(expected);
		});
});

describe("variantFieldValue", () => {
	test("reads one field's normalized value back from a variant key", () => {
		const headers = new Headers({ "accept-language": "fr", "user-agent": "x" });
		const key = variantKey(parseVary("User-Agent, Accept-Language, Accept-Encoding"), headers);
		expect(key).toBeDefined();
		expect(variantFieldValue(key as string, "accept-language")).toBe("fr");
		expect(variantFieldValue(key as string, "user-agent")).toBe("x");
		// Absent from the request: null, which differs from any value.
		expect(variantFieldValue(key as string, "accept-encoding")).toBeNull();
		// Not among the key's fields, or not a variant key at all: undefined.
		expect(variantFieldValue(key as string, "cookie")).toBeUndefined();
		for (const bad of ["", "{", "{}", '"x"', "[1]", '[["accept-language", 3]]'])
			expect(variantFieldValue(bad, "accept-language")).toBeUndefined();
	});
});
