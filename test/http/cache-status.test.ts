import { describe, expect, test } from "bun:test";
import { forwardedAnswer, type Kept } from "../../edge/http/cache-phase.ts";
import {
	addCacheStatus,
	appendCacheStatus,
	type CachePhase,
	type CacheStatusDecision,
	cacheStatusDecision,
	cacheStatusParamsForPhase,
	serializeCacheStatus,
} from "../../edge/http/cache-status.ts";

type Case = [section: string, decision: CacheStatusDecision, expected: string];

const cases: Case[] = [
	["§2.1 minimal hit", { cache: "NeuroCache", hit: true }, "NeuroCache;hit"],
	["§3 hit with ttl", { cache: "ExampleCache", hit: true, ttl: 376 }, "ExampleCache;hit;ttl=376"],
	[
		"§2.4 negative ttl when stale",
		{ cache: "ExampleCache", hit: true, ttl: -412 },
		"ExampleCache;hit;ttl=-412",
	],
	["§2.4 ttl is an integer", { cache: "C", hit: true, ttl: 12.9 }, "C;hit;ttl=12"],
	["§2.4 non-finite ttl is left out", { cache: "C", hit: true, ttl: Number.NaN }, "C;hit"],
	["§3 complete miss", { cache: "ExampleCache", fwd: "uri-miss" }, "ExampleCache;fwd=uri-miss"],
	[
		"§3 validated on the backend",
		{ cache: "ExampleCache", fwd: "stale", fwdStatus: 304 },
		"ExampleCache;fwd=stale;fwd-status=304",
	],
	[
		"§2.6 collapsed and stored",
		{ cache: "ForwardProxyCache", fwd: "uri-miss", collapsed: true, stored: true },
		"ForwardProxyCache;fwd=uri-miss;stored;collapsed",
	],
	[
		"§2.6 collapse attempted but failed",
		{ cache: "ExampleCache", fwd: "uri-miss", collapsed: false },
		"ExampleCache;fwd=uri-miss;collapsed=?0",
	],
	[
		"§2.1 hit excludes fwd and fwd-only parameters",
		{ cache: "C", hit: true, fwd: "miss", fwdStatus: 200, stored: true, collapsed: true },
		"C;hit",
	],
	["§2.3 invalid fwd-status is left out", { cache: "C", fwd: "miss", fwdStatus: 42 }, "C;fwd=miss"],
	[
		"§2 identifier that is not a token becomes a string",
		{ cache: "CDN Company Here", hit: true, ttl: 545 },
		'"CDN Company Here";hit;ttl=545',
	],
	[
		"§2 host names are tokens",
		{ cache: "cache-3.example.com", hit: true },
		"cache-3.example.com;hit",
	],
	[
		"§2.8 detail is an escaped sf-string",
		{ cache: "C", hit: true, detail: 'say "hi" \\ bye' },
		'C;hit;detail="say \\"hi\\" \\\\ bye"',
	],
	[
		"§2.8 non-ASCII cannot be carried in an sf-string",
		{ cache: "C", hit: true, detail: "café\n" },
		'C;hit;detail="caf??"',
	],
	[
		"§2.7 key is a string",
		{ cache: "C", fwd: "bypass", key: "GET https://a.example/x?q=1" },
		'C;fwd=bypass;key="GET https://a.example/x?q=1"',
	],
];

describe("serializeCacheStatus (RFC 9211 §2)", () => {
	test.each(cases)("%s", (...[, decision, expected]: Case) => {
		expect(serializeCacheStatus(decision)).toBe(expected);
	});
});

describe("appendCacheStatus (RFC 9211 §2: ours last)", () => {
	test.each([
		["no upstream value", null, "N;hit"],
		["empty upstream value", "  ", "N;hit"],
		["one upstream member", "OriginCache; hit; ttl=1100", "OriginCache; hit; ttl=1100, N;hit"],
		["trailing comma from upstream", "A;hit,", "A;hit, N;hit"],
	] as const)("%s", (_name, existing, expected) => {
		expect(appendCacheStatus(existing, "N;hit")).toBe(expected);
	});

	test("addCacheStatus keeps upstream members", () => {
		const headers = new Headers();
		headers.append("cache-status", "ReverseProxyCache; hit");
		headers.append("cache-status", "ForwardProxyCache; fwd=uri-miss");
		addCacheStatus(headers, { cache: "NeuroCache", fwd: "uri-miss", stored: true });
		expect(headers.get("cache-status")).toBe(
			"ReverseProxyCache; hit, ForwardProxyCache; fwd=uri-miss, NeuroCache;fwd=uri-miss;stored",
		);
	});
});

describe("cacheStatusParamsForPhase", () => {
	const expected: [CachePhase, string][] = [
		["hit", "N;hit"],
		["miss", "N;fwd=uri-miss"],
		["vary-miss", "N;fwd=vary-miss"],
		["stale", "N;fwd=stale"],
		["stale-while-revalidate", 'N;hit;detail="stale-while-revalidate"'],
		["max-stale", 'N;hit;detail="max-stale"'],
		["stale-if-error", 'N;hit;detail="stale-if-error"'],
		["revalidated", "N;fwd=stale;fwd-status=304"],
		["refetched", "N;fwd=stale"],
		["request", "N;fwd=request"],
		["partial", "N;fwd=partial"],
		["bypass", "N;fwd=bypass"],
		["method", "N;fwd=method"],
		["uncacheable", 'N;fwd=uri-miss;stored=?0;detail="uncacheable"'],
		["client-gone", 'N;detail="client-gone"'],
		["only-if-cached", 'N;detail="only-if-cached"'],
	];
	test.each(expected)("%s", (phase, member) => {
		expect(serializeCacheStatus({ cache: "N", ...cacheStatusParamsForPhase(phase) })).toBe(member);
	});

	test("cacheStatusDecision: identifier, the phase's parameters, then the measured ones", () => {
		expect(cacheStatusDecision("N", "revalidated", { ttl: 30 })).toEqual({
			cache: "N",
			fwd: "stale",
			fwdStatus: 304,
			ttl: 30,
		});
		// What the proxy measured wins over the phase's default.
		expect(cacheStatusDecision("N", "uncacheable", { stored: true }).stored).toBe(true);
		// A fresh object each time: the shared phase table is never written.
		const decision = cacheStatusDecision("N", "hit", {});
		decision.ttl = 1;
		expect(cacheStatusDecision("N", "hit", {})).toEqual({ cache: "N", hit: true });
	});

	test.each([
		// Being stored: nothing claimed before the commit (RFC 9211 §2.5).
		["miss", { kept: true }, "N;fwd=uri-miss;fwd-status=200"],
		["vary-miss", { kept: true }, "N;fwd=vary-miss;fwd-status=200"],
		["stale", { kept: true }, "N;fwd=stale;fwd-status=200"],
		// Not stored: stored=?0 and why, under the reason it went forward.
		[
			"miss",
			{ kept: false, reason: "no-store" },
			'N;fwd=uri-miss;fwd-status=200;stored=?0;detail="no-store"',
		],
		[
			"vary-miss",
			{ kept: false, reason: "private" },
			'N;fwd=vary-miss;fwd-status=200;stored=?0;detail="private"',
		],
		[
			"stale",
			{ kept: false, reason: "no-store" },
			'N;fwd=stale;fwd-status=200;stored=?0;detail="no-store"',
		],
		// A pass: its fwd says why.
		["request", { kept: false }, "N;fwd=request;fwd-status=200;stored=?0"],
		["stale", { kept: false }, "N;fwd=stale;fwd-status=200;stored=?0"],
	] as [CachePhase, Kept, string][])("forwardedAnswer: %s, %p", (fwd, kept, member) => {
		const { phase, extra } = forwardedAnswer(fwd, 200, kept);
		expect(serializeCacheStatus(cacheStatusDecision("N", phase, extra))).toBe(member);
	});

	test("forwardedAnswer: a stale entry's new response is refetched, a URI miss not stored uncacheable", () => {
		expect(forwardedAnswer("stale", 200, { kept: true }).phase).toBe("refetched");
		expect(forwardedAnswer("miss", 200, { kept: false, reason: "private" }).phase).toBe(
			"uncacheable",
		);
		expect(forwardedAnswer("vary-miss", 200, { kept: false, reason: "private" }).phase).toBe(
			"vary-miss",
		);
	});

	test("returns a copy the proxy may extend", () => {
		const params = cacheStatusParamsForPhase("hit");
		params.ttl = 5;
		expect(cacheStatusParamsForPhase("hit")).toEqual({ hit: true });
	});
});
