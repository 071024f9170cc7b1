import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	type CacheKeyConfig,
	type CacheKeyErrorKind,
	normalizeCacheUrl,
	parseCacheKeyConfig,
	primaryCacheKey,
} from "../../edge/http/cache-key.ts";

function config(input: unknown): CacheKeyConfig {
	const parsed = parseCacheKeyConfig(input);
	if (!parsed.ok) throw new Error(parsed.error);
	return parsed.config;
}

const defaults = config({});
const marketing = config({ ignoredQueryParams: ["utm_*", "fbclid"] });

type KeyCase = [section: string, method: string, url: string, key: string, cfg?: CacheKeyConfig];

const keyCases: KeyCase[] = [
	["RFC 9111 §2 method and URI", "GET", "https://example.com/a", "GET https://example.com/a"],
	[
		"RFC 9110 §9.3.2 HEAD shares GET's key",
		"HEAD",
		"https://example.com/a",
		"GET https://example.com/a",
	],
	[
		"RFC 9110 §9.1 methods are case-sensitive",
		"head",
		"https://example.com/a",
		"head https://example.com/a",
	],
	[
		"RFC 3986 §6.2.2.1 scheme and host lowercased",
		"GET",
		"HTTPS://Example.COM/A",
		"GET https://example.com/A",
	],
	[
		"RFC 3986 §6.2.3 default port removed",
		"GET",
		"http://example.com:80/",
		"GET http://example.com/",
	],
	[
		"RFC 3986 §6.2.3 default https port removed",
		"GET",
		"https://example.com:443/x",
		"GET https://example.com/x",
	],
	[
		"RFC 3986 §6.2.3 other ports kept",
		"GET",
		"http://example.com:8080/",
		"GET http://example.com:8080/",
	],
	["RFC 3986 §6.2.3 empty path is /", "GET", "http://example.com", "GET http://example.com/"],
	[
		"RFC 3986 §6.2.2.3 dot-segments removed",
		"GET",
		"http://example.com/a/./b/../c",
		"GET http://example.com/a/c",
	],
	[
		"RFC 3986 §6.2.2.1 hex uppercased",
		"GET",
		"http://example.com/%c3%a9?q=%2f",
		"GET http://example.com/%C3%A9?q=%2F",
	],
	[
		"RFC 3986 §6.2.2.2 unreserved decoded",
		"GET",
		"http://example.com/%7Euser/%41%2D?%61=1",
		"GET http://example.com/~user/A-?a=1",
	],
	[
		"RFC 3986 §6.2.2.2 reserved kept encoded",
		"GET",
		"http://example.com/a%2Fb",
		"GET http://example.com/a%2Fb",
	],
	["fragment dropped", "GET", "http://example.com/a#frag", "GET http://example.com/a"],
	[
		"query sorted by name",
		"GET",
		"http://example.com/?b=2&a=1&c",
		"GET http://example.com/?a=1&b=2&c",
	],
	[
		"repeated names keep their order",
		"GET",
		"http://example.com/?b=2&a=2&a=1",
		"GET http://example.com/?a=2&a=1&b=2",
	],
	["empty pairs dropped", "GET", "http://example.com/?&a=1&&", "GET http://example.com/?a=1"],
	["'+' kept as is", "GET", "http://example.com/?q=a+b", "GET http://example.com/?q=a+b"],
	[
		"sorting can be off",
		"GET",
		"http://example.com/?b=2&a=1",
		"GET http://example.com/?b=2&a=1",
		config({ sortQuery: false }),
	],
	[
		"ignored params by prefix and name",
		"GET",
		"http://example.com/?utm_source=x&id=7&fbclid=z&utm=keep",
		"GET http://example.com/?id=7&utm=keep",
		marketing,
	],
	[
		"ignored names compared after normalization",
		"GET",
		"http://example.com/?utm%5Fsource=x&id=7",
		"GET http://example.com/?id=7",
		marketing,
	],
	[
		"all params ignored: no '?'",
		"GET",
		"http://example.com/p?fbclid=1",
		"GET http://example.com/p",
		marketing,
	],
	[
		"paths are case-sensitive by default",
		"GET",
		"http://example.com/A",
		"GET http://example.com/A",
	],
	[
		"case-insensitive paths when configured",
		"GET",
		"http://example.com/A/%c3",
		"GET http://example.com/a/%C3",
		config({ caseInsensitivePath: true }),
	],
	["IPv6 literal host", "GET", "http://[::1]:8080/", "GET http://[::1]:8080/"],
	["IDN host in punycode", "GET", "http://bücher.example/", "GET http://xn--bcher-kva.example/"],
];

describe("primaryCacheKey (RFC 9111 §2, RFC 3986 §6)", () => {
	test.each(keyCases)("%s", (...[, method, url, key, cfg]: KeyCase) => {
		expect(primaryCacheKey({ method, url }, cfg ?? defaults)).toEqual({ ok: true, value: key });
	});

	test("takes a Request", () => {
		const request = new Request("https://example.com/x?b=1&a=2", { method: "HEAD" });
		expect(primaryCacheKey(request)).toEqual({
			ok: true,
			value: "GET https://example.com/x?a=2&b=1",
		});
	});
});

type BadCase = [section: string, url: string, kind: CacheKeyErrorKind];

const badCases: BadCase[] = [
	["absurdly long URL", `http://example.com/${"a".repeat(9000)}`, "url-too-long"],
	["not a URL", "not a url", "invalid-url"],
	["relative reference", "/just/a/path", "invalid-url"],
	["forbidden host code point", "http://exa mple.com/", "invalid-url"],
	["not http(s)", "ftp://example.com/", "unsupported-scheme"],
	["RFC 9110 §4.2.4 userinfo is an error", "http://user:pw@example.com/", "userinfo"],
	["host label too long", `http://${"a".repeat(64)}.com/`, "invalid-host"],
	["host label with '!'", "http://a!b.com/", "invalid-host"],
	["host too long", `http://${"abc.".repeat(70)}com/`, "invalid-host"],
];

describe("primaryCacheKey bad input: typed errors, no throw", () => {
	test.each(badCases)("%s", (...[, url, kind]: BadCase) => {
		const result = primaryCacheKey({ method: "GET", url });
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.error.kind).toBe(kind);
	});

	test("the length limit is configurable", () => {
		const short = config({ maxUrlLength: 32 });
		const result = normalizeCacheUrl("http://example.com/0123456789abcdef", short);
		expect(result.ok ? "ok" : result.error.kind).toBe("url-too-long");
	});
});

describe("parseCacheKeyConfig", () => {
	test("defaults", () => {
		expect(parseCacheKeyConfig({})).toEqual({
			ok: true,
			config: {
				sortQuery: true,
				ignoredQueryParams: [],
				caseInsensitivePath: false,
				maxUrlLength: 8192,
			},
		});
	});

	test.each([
		["wrong type", { sortQuery: "yes" }, "sortQuery"],
		[
			"lone '*' would ignore every parameter",
			{ ignoredQueryParams: ["ok", "*"] },
			"ignoredQueryParams.1",
		],
		["'*' in the middle", { ignoredQueryParams: ["utm_*x"] }, "ignoredQueryParams.0"],
		["limit not an integer", { maxUrlLength: 10.5 }, "maxUrlLength"],
		["limit too small", { maxUrlLength: 1 }, "maxUrlLength"],
		["unknown field", { sortQeury: true }, "sortQeury"],
	] as [string, unknown, string][])("%s names the field", (_name, input, field) => {
		const result = parseCacheKeyConfig(input);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.error).toContain(`${field}:`);
	});

	test("not an object", () => {
		const result = parseCacheKeyConfig(null);
		expect(result.ok ? "" : result.error).toContain("invalid cache key config");
	});
});

const queryPair = fc
	.tuple(
		fc.constantFrom("a", "b", "utm_x", "c%7e", "%41", "z"),
		fc.constantFrom("", "1", "%2f", "x%7E", "+"),
	)
	.map(([name, value]) => (value === "" ? name : `${name}=${value}`));

describe("properties", () => {
	test("normalization is idempotent", () => {
		fc.assert(
			fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
				const once = normalizeCacheUrl(url, marketing);
				if (!once.ok) return;
				expect(normalizeCacheUrl(once.value, marketing)).toEqual(once);
			}),
			{ numRuns: 300 },
		);
	});

	test("query orders that differ only across names give one key", () => {
		fc.assert(
			fc.property(
				fc.uniqueArray(queryPair, { selector: (p) => p.split("=")[0], maxLength: 6 }),
				fc.nat(),
				(pairs, seed) => {
					const shuffled = [...pairs].sort(
						(x, y) => ((x.length * 31 + seed) % 7) - ((y.length * 31 + seed) % 7),
					);
					const a = primaryCacheKey({
						method: "GET",
						url: `http://e.example/p?${pairs.join("&")}`,
					});
					const b = primaryCacheKey({
						method: "GET",
						url: `http://e.example/p?${shuffled.join("&")}`,
					});
					expect(a).toEqual(b);
				},
			),
			{ numRuns: 300 },
		);
	});
});
