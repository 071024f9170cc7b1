import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	parseResponseCacheControl,
	type ResponseCacheControl,
} from "../../edge/http/cache-control.ts";
import { effectiveResponseDirectives, parseTargetedField } from "../../edge/http/targeted.ts";

const NOTHING = parseResponseCacheControl(null);

describe("parseTargetedField", () => {
	const valid: [string, string, Partial<ResponseCacheControl>][] = [
		["RFC 9213 §2.1: Integer max-age", "max-age=600", { maxAge: 600 }],
		["RFC 9213 §2.1: Boolean no-store", "no-store", { noStore: true }],
		[
			"RFC 9213 §2.1: String no-cache field list",
			'no-cache="set-cookie"',
			{ noCache: ["set-cookie"] },
		],
		["RFC 9213 §2.1: Token value", "private=authorization", { private: ["authorization"] }],
		[
			"RFC 9213 §2.1: parameters are ignored",
			"max-age=60;foo=bar, must-revalidate;x",
			{ maxAge: 60, mustRevalidate: true },
		],
		["RFC 9213 §2.1: negative Integer max-age → stale", "max-age=-1", { maxAge: 0 }],
		["RFC 9213 §2.1: Boolean false drops the directive", "no-store=?0, max-age=5", { maxAge: 5 }],
		["RFC 9213 §2.1: explicit Boolean true", "no-store=?1", { noStore: true }],
		[
			"RFC 9213 §2.1: Inner List no-cache is not a field list → unqualified",
			"no-cache=(a b)",
			{ noCache: true },
		],
		["RFC 9213 §3.1: an unknown directive keeps the field non-empty", "none", {}],
		[
			"RFC 8941 §4.2.2: a repeated key overwrites (last wins)",
			"max-age=10, max-age=20",
			{ maxAge: 20 },
		],
		["RFC 8941 §4.2.2: OWS around commas", "max-age=1 ,\tpublic", { maxAge: 1, public: true }],
		["RFC 5861 in a targeted field", "stale-while-revalidate=10", { staleWhileRevalidate: 10 }],
	];
	for (const [title, input, expected] of valid) {
		test(title, () => expect(parseTargetedField(input)).toEqual({ ...NOTHING, ...expected }));
	}

	const ignored: [string, string | null][] = [
		["RFC 9213 §2.1: an absent field is ignored", null],
		["RFC 9213 §2.1: an empty field is ignored", ""],
		["RFC 9213 §2.1: a field of spaces is ignored", "   "],
		["RFC 8941 §4.2.2: upper-case keys are a parse error", "Max-Age=60"],
		["RFC 8941 §4.2.2: a trailing comma is a parse error", "max-age=60,"],
		["RFC 8941 §4.2.2: an empty member is a parse error", "max-age=60,,public"],
		["RFC 8941 §4.2.3.1: a 16-digit Integer is a parse error", "max-age=1234567890123456"],
		["RFC 8941 §4.2.5: an unterminated String is a parse error", 'no-cache="a'],
		["RFC 8941 §4.2.5: a bad escape is a parse error", 'no-cache="\\a"'],
		["RFC 8941 §4.2.2: spaces around = are a parse error", "max-age = 60"],
		["RFC 8941 §4.2.8: a bad Boolean is a parse error", "no-store=?2"],
		["RFC 9213 §2.1: a Decimal max-age breaks its Integer type", "max-age=1.5"],
		["RFC 9213 §2.1: a String max-age breaks its Integer type", 'max-age="10000", public'],
		["RFC 9213 §2.1: a Token s-maxage breaks its Integer type", "s-maxage=abc"],
		["RFC 9213 §2.1: a String stale-if-error breaks its Integer type", 'stale-if-error="60"'],
	];
	for (const [title, input] of ignored) {
		test(title, () => expect(parseTargetedField(input)).toBeUndefined());
	}

	test("RFC 9213 §2.1: never throws on arbitrary input", () => {
		fc.assert(
			fc.property(
				fc.string({ unit: fc.constantFrom(...'amx-=,"? ;:()1.\\*'.split("")) }),
				(input) => {
					parseTargetedField(input);
				},
			),
		);
	});
});

describe("effectiveResponseDirectives", () => {
	test("RFC 9213 §3.1: CDN-Cache-Control replaces Cache-Control and Expires", () => {
		const headers = new Headers({
			"Cache-Control": "no-store",
			"CDN-Cache-Control": "max-age=600",
		});
		expect(effectiveResponseDirectives(headers)).toEqual({
			directives: { ...NOTHING, maxAge: 600 },
			source: "CDN-Cache-Control",
			expiresApplies: false,
		});
	});

	test("RFC 9213 §2.2: without a targeted field, Cache-Control and Expires apply", () => {
		const headers = new Headers({ "Cache-Control": "max-age=60, s-maxage=120" });
		expect(effectiveResponseDirectives(headers)).toEqual({
			directives: { ...NOTHING, maxAge: 60, sMaxAge: 120 },
			source: "Cache-Control",
			expiresApplies: true,
		});
	});

	test("RFC 9213 §2.1: an invalid targeted field falls back to Cache-Control", () => {
		const headers = new Headers({
			"Cache-Control": "max-age=5",
			"CDN-Cache-Control": "Max-Age=600",
		});
		expect(effectiveResponseDirectives(headers).source).toBe("Cache-Control");
	});

	test("RFC 9213 §2.2: the first valid field in target-list order wins", () => {
		const targetList = ["NeuroCache-Cache-Control", "CDN-Cache-Control"];
		const both = new Headers({
			"NeuroCache-Cache-Control": "max-age=9",
			"CDN-Cache-Control": "max-age=1",
		});
		expect(effectiveResponseDirectives(both, targetList).directives.maxAge).toBe(9);
		const firstInvalid = new Headers({
			"NeuroCache-Cache-Control": "",
			"CDN-Cache-Control": "max-age=1",
		});
		expect(effectiveResponseDirectives(firstInvalid, targetList)).toMatchObject({
			source: "CDN-Cache-Control",
			directives: { maxAge: 1 },
		});
	});

	test("RFC 9213 §2.2: fields not on the target list change nothing", () => {
		const headers = new Headers({
			"Other-Cache-Control": "no-store",
			"Cache-Control": "max-age=5",
		});
		expect(effectiveResponseDirectives(headers).directives).toEqual({ ...NOTHING, maxAge: 5 });
	});

	test("RFC 8941 §4.2: several field lines are combined before parsing", () => {
		const headers = new Headers();
		headers.append("CDN-Cache-Control", "max-age=60");
		headers.append("CDN-Cache-Control", "must-revalidate");
		expect(effectiveResponseDirectives(headers).directives).toEqual({
			...NOTHING,
			maxAge: 60,
			mustRevalidate: true,
		});
	});
});
