import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	parseRequestCacheControl,
	parseResponseCacheControl,
	type RequestCacheControl,
	type ResponseCacheControl,
} from "../../edge/http/cache-control.ts";
import { DELTA_SECONDS_INFINITY } from "../../edge/http/delta-seconds.ts";
import { parseDirectiveList } from "../../edge/http/directive-list.ts";

const NO_RESPONSE_DIRECTIVES: ResponseCacheControl = {
	maxAge: undefined,
	sMaxAge: undefined,
	noCache: false,
	noStore: false,
	private: false,
	public: false,
	mustRevalidate: false,
	proxyRevalidate: false,
	mustUnderstand: false,
	noTransform: false,
	immutable: false,
	staleWhileRevalidate: undefined,
	staleIfError: undefined,
};

const NO_REQUEST_DIRECTIVES: RequestCacheControl = {
	maxAge: undefined,
	maxStale: undefined,
	minFresh: undefined,
	noCache: false,
	noStore: false,
	noTransform: false,
	onlyIfCached: false,
	staleIfError: undefined,
};

describe("parseDirectiveList", () => {
	const cases: [string, string, { name: string; value: string | undefined }[]][] = [
		["RFC 9111 §5.2: token argument", "max-age=60", [{ name: "max-age", value: "60" }]],
		["RFC 9111 §5.2: names are case-insensitive", "Max-Age=1", [{ name: "max-age", value: "1" }]],
		[
			"RFC 9110 §5.6.4: quoted-string argument keeps commas",
			'no-cache="set-cookie, x-a", public',
			[
				{ name: "no-cache", value: "set-cookie, x-a" },
				{ name: "public", value: undefined },
			],
		],
		["RFC 9110 §5.6.4: quoted-pair", 'x="a\\"b"', [{ name: "x", value: 'a"b' }]],
		[
			"RFC 9110 §5.6.1.2: empty members and OWS are ignored",
			" ,\tno-store ,, ,public,",
			[
				{ name: "no-store", value: undefined },
				{ name: "public", value: undefined },
			],
		],
		["RFC 9110 §5.6.1.2: an empty field has no members", "", []],
		["RFC 9110 §5.6.2: a member that is not a token is skipped", '"x", =5, @a', []],
		[
			"RFC 9111 §5.2: trailing junk makes the argument invalid, not ignored",
			"max-age=5 x, no-store",
			[
				{ name: "max-age", value: "5 x" },
				{ name: "no-store", value: undefined },
			],
		],
		[
			"RFC 9110 §5.6.4: an unterminated quoted-string ends the field after its own directive",
			'a, b="x, c',
			[
				{ name: "a", value: undefined },
				{ name: "b", value: '"x, c' },
			],
		],
		[
			"RFC 9111 §5.2: no whitespace before =: the rest is an invalid argument",
			"max-age =7, public",
			[
				{ name: "max-age", value: "=7" },
				{ name: "public", value: undefined },
			],
		],
		[
			"RFC 9111 §5.2: no whitespace after =: the argument keeps it and is invalid",
			"max-age= 7",
			[{ name: "max-age", value: " 7" }],
		],
	];
	for (const [title, input, expected] of cases) {
		test(title, () => expect(parseDirectiveList(input)).toEqual(expected));
	}
});

describe("parseResponseCacheControl", () => {
	const cases: [string, string | null, Partial<ResponseCacheControl>][] = [
		["RFC 9111 §5.2: an absent field has no directives", null, {}],
		["RFC 9111 §5.2.2.1: max-age", "max-age=60", { maxAge: 60 }],
		["RFC 9111 §5.2: quoted max-age is accepted", 'max-age="60"', { maxAge: 60 }],
		["RFC 9111 §5.2.2.10: s-maxage", "s-maxage=5, max-age=1", { sMaxAge: 5, maxAge: 1 }],
		["RFC 9111 §5.2.2.4: unqualified no-cache", "no-cache", { noCache: true }],
		[
			"RFC 9111 §5.2.2.4: qualified no-cache lists lower-cased field names",
			'no-cache="Set-Cookie, X-Foo"',
			{ noCache: ["set-cookie", "x-foo"] },
		],
		[
			"RFC 9111 §5.2.2.4: qualified and unqualified no-cache → unqualified (stricter)",
			'no-cache="a", no-cache',
			{ noCache: true },
		],
		['RFC 9111 §5.2.2.4: no-cache="" is read as unqualified', 'no-cache=""', { noCache: true }],
		[
			"RFC 9111 §5.2.2.7: token-form private field list",
			"private=authorization",
			{ private: ["authorization"] },
		],
		[
			"RFC 9111 §5.2.2.7: two qualified privates → union",
			'private="a", private="b, a"',
			{ private: ["a", "b"] },
		],
		[
			"RFC 9111 §5.2.2.7: private with an unterminated quote is unqualified private",
			'max-age=60, private="set-cookie',
			{ maxAge: 60, private: true },
		],
		[
			"RFC 9111 §5.2.2.4: no-cache with an unterminated quote is unqualified no-cache",
			'no-cache="x-a, max-age=60',
			{ noCache: true, maxAge: undefined },
		],
		[
			"RFC 9111 §4.2.1: an unterminated quoted max-age is invalid → stale",
			'max-age="60',
			{ maxAge: 0 },
		],
		["RFC 9111 §5.2.2.5: no-store", "NO-STORE", { noStore: true }],
		[
			"RFC 9111 §5.2.2.5: no-store with a bogus argument still forbids storing",
			"no-store=1",
			{ noStore: true },
		],
		["RFC 9111 §5.2.2.9: public", "public", { public: true }],
		["RFC 9111 §5.2.2.9: public with an argument is not trusted", "public=yes", {}],
		[
			"RFC 9111 §5.2.2.2/§5.2.2.8: must-revalidate and proxy-revalidate",
			"must-revalidate, proxy-revalidate",
			{ mustRevalidate: true, proxyRevalidate: true },
		],
		[
			"RFC 9111 §5.2.2.3: must-understand",
			"must-understand, no-store",
			{ mustUnderstand: true, noStore: true },
		],
		["RFC 9111 §5.2.2.6: no-transform", "no-transform", { noTransform: true }],
		[
			"RFC 8246 §2: immutable",
			"immutable, max-age=31536000",
			{ immutable: true, maxAge: 31536000 },
		],
		[
			"RFC 5861 §3/§4: stale-while-revalidate and stale-if-error",
			"stale-while-revalidate=30, stale-if-error=600",
			{ staleWhileRevalidate: 30, staleIfError: 600 },
		],
		["RFC 9111 §4.2.1: negative max-age → stale", "max-age=-1", { maxAge: 0 }],
		["RFC 9111 §4.2.1: non-numeric max-age → stale", "max-age=abc", { maxAge: 0 }],
		["RFC 9111 §4.2.1: fractional max-age → stale", "max-age=1.5", { maxAge: 0 }],
		["RFC 9111 §4.2.1: max-age without argument → stale", "max-age", { maxAge: 0 }],
		["RFC 9111 §4.2.1: invalid s-maxage → stale", "s-maxage=x", { sMaxAge: 0 }],
		["RFC 9111 §4.2.1: conflicting max-age → stale", "max-age=10, max-age=20", { maxAge: 0 }],
		["RFC 9111 §4.2.1: repeated equal max-age is fine", "max-age=10, max-age=10", { maxAge: 10 }],
		[
			"RFC 9111 §4.2.1: conflict across joined field lines",
			"max-age=10, public, max-age=20",
			{ maxAge: 0, public: true },
		],
		[
			"RFC 9111 §1.2.2: huge max-age is 2^31",
			"max-age=99999999999999999999999",
			{ maxAge: DELTA_SECONDS_INFINITY },
		],
		["RFC 9111 §1.2.2: 2^31+1 is 2^31", "max-age=2147483649", { maxAge: DELTA_SECONDS_INFINITY }],
		["RFC 9111 §1.2.2: leading zeros", "max-age=0007", { maxAge: 7 }],
		["RFC 5861: invalid stale-while-revalidate is ignored", "stale-while-revalidate=-5", {}],
		["RFC 5861: conflicting stale-if-error is ignored", "stale-if-error=1, stale-if-error=2", {}],
		["RFC 9111 §5.2.3: unknown extensions are ignored", 'community="UCI", foo, bar=1', {}],
		["RFC 9110 §5.6.1.2: only commas", ", ,,", {}],
	];
	for (const [title, input, expected] of cases) {
		test(title, () => {
			expect(parseResponseCacheControl(input)).toEqual({ ...NO_RESPONSE_DIRECTIVES, ...expected });
		});
	}
});

describe("parseRequestCacheControl", () => {
	const cases: [string, string | null, Partial<RequestCacheControl>][] = [
		["RFC 9111 §5.2.1.1: max-age", "max-age=5", { maxAge: 5 }],
		[
			"RFC 9111 §5.2.1.2: max-stale without a value accepts any staleness",
			"max-stale",
			{ maxStale: "any" },
		],
		["RFC 9111 §5.2.1.2: max-stale with a value", "max-stale=10", { maxStale: 10 }],
		[
			"RFC 9111 §4.2.1: bare and valued max-stale → the valued, stricter one",
			"max-stale, max-stale=10",
			{ maxStale: 10 },
		],
		["RFC 9111 §5.2.1.2: invalid max-stale is ignored (no stale)", "max-stale=abc", {}],
		["RFC 9111 §5.2.1.3: min-fresh", "min-fresh=20", { minFresh: 20 }],
		[
			"RFC 9111 §4.2.1: conflicting request max-age → smallest",
			"max-age=9, max-age=3",
			{ maxAge: 3 },
		],
		[
			"RFC 9111 §4.2.1: conflicting min-fresh → largest",
			"min-fresh=1, min-fresh=30",
			{ minFresh: 30 },
		],
		["RFC 9111 §5.2.1: invalid request max-age is ignored", "max-age=-3", {}],
		[
			"RFC 9111 §5.2.1.4–7: boolean request directives",
			"no-cache, no-store, no-transform, only-if-cached",
			{ noCache: true, noStore: true, noTransform: true, onlyIfCached: true },
		],
		["RFC 9111 §5.2: case-insensitive names", "Only-If-Cached", { onlyIfCached: true }],
		["RFC 5861 §4: request stale-if-error", "stale-if-error=60", { staleIfError: 60 }],
		[
			"RFC 5861 §4: conflicting request stale-if-error → smallest",
			"stale-if-error=60, stale-if-error=5",
			{ staleIfError: 5 },
		],
		["RFC 5861 §4: invalid request stale-if-error is ignored", "stale-if-error=x", {}],
	];
	for (const [title, input, expected] of cases) {
		test(title, () => {
			expect(parseRequestCacheControl(input)).toEqual({ ...NO_REQUEST_DIRECTIVES, ...expected });
		});
	}
});

describe("Cache-Control properties", () => {
	// Mostly the characters that matter to the grammar, so that quotes, escapes and separators meet.
	const fieldLike = fc.oneof(
		fc.string(),
		fc.string({
			unit: fc.constantFrom(...'ax-=," \t\\09;é\u0000\u{1F600}'.split("")),
			maxLength: 40,
		}),
	);

	test("RFC 9111 §5.2: never throws on arbitrary input", () => {
		fc.assert(
			fc.property(fieldLike, (input) => {
				parseResponseCacheControl(input);
				parseRequestCacheControl(input);
			}),
			{ numRuns: 1000 },
		);
	});

	test("RFC 9111 §1.2.2: parsed delta-seconds are always within [0, 2^31]", () => {
		fc.assert(
			fc.property(fc.string(), (input) => {
				const parsed = parseResponseCacheControl(`max-age=${input}, s-maxage=${input}`);
				// A quote in the input can swallow s-maxage into max-age's argument, so only max-age is sure.
				for (const seconds of [parsed.maxAge, parsed.sMaxAge ?? 0]) {
					expect(seconds).toBeGreaterThanOrEqual(0);
					expect(seconds).toBeLessThanOrEqual(DELTA_SECONDS_INFINITY);
				}
			}),
		);
	});

	const knownResponse = fc.record(
		{
			maxAge: fc.nat(),
			sMaxAge: fc.nat(),
			staleWhileRevalidate: fc.nat(),
			staleIfError: fc.nat(),
			noStore: fc.constant(true),
			public: fc.constant(true),
			mustRevalidate: fc.constant(true),
			proxyRevalidate: fc.constant(true),
			mustUnderstand: fc.constant(true),
			noTransform: fc.constant(true),
			immutable: fc.constant(true),
			noCache: fc.constant(true),
			private: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), {
				minLength: 1,
				maxLength: 3,
			}),
		},
		{ requiredKeys: [] },
	);

	const directiveNames: Record<string, string> = {
		maxAge: "max-age",
		sMaxAge: "s-maxage",
		staleWhileRevalidate: "stale-while-revalidate",
		staleIfError: "stale-if-error",
		noStore: "no-store",
		public: "public",
		mustRevalidate: "must-revalidate",
		proxyRevalidate: "proxy-revalidate",
		mustUnderstand: "must-understand",
		noTransform: "no-transform",
		immutable: "immutable",
		noCache: "no-cache",
		private: "private",
	};

	test("RFC 9111 §5.2: known directives round-trip through any case and spacing", () => {
		fc.assert(
			fc.property(
				knownResponse,
				fc.boolean(),
				fc.constantFrom(",", " ,", ", ", ",\t,"),
				(directives, upper, separator) => {
					const members = Object.entries(directives).map(([key, value]) => {
						const name = directiveNames[key] ?? key;
						const written = upper ? name.toUpperCase() : name;
						if (value === true) return written;
						if (Array.isArray(value)) return `${written}="${value.join(", ")}"`;
						return `${written}=${String(value)}`;
					});
					const parsed = parseResponseCacheControl(members.join(separator));
					expect(parsed).toEqual({ ...NO_RESPONSE_DIRECTIVES, ...directives });
				},
			),
		);
	});
});
