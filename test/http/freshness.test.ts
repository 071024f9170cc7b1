import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { currentAgeSeconds } from "../../edge/http/age.ts";
import {
	type FreshnessLifetime,
	freshnessLifetime,
	isFresh,
	type StoredResponseFacts,
} from "../../edge/http/freshness.ts";
import { effectiveResponseDirectives } from "../../edge/http/targeted.ts";

const RECEIVED = Date.UTC(2024, 0, 10, 12, 0, 0);
const DATE = "Wed, 10 Jan 2024 12:00:00 GMT";

function facts(status: number, fields: Record<string, string>): StoredResponseFacts {
	const headers = new Headers(fields);
	return {
		status,
		headers,
		effective: effectiveResponseDirectives(headers),
		responseTimeMs: RECEIVED,
	};
}

describe("freshnessLifetime", () => {
	const cases: [string, number, Record<string, string>, FreshnessLifetime][] = [
		[
			"RFC 9111 §4.2.1: s-maxage first for a shared cache",
			200,
			{ "Cache-Control": "max-age=10, s-maxage=20" },
			{ source: "s-maxage", seconds: 20 },
		],
		[
			"RFC 9111 §4.2.1: max-age over Expires",
			200,
			{ "Cache-Control": "max-age=10", Date: DATE, Expires: "Wed, 10 Jan 2024 13:00:00 GMT" },
			{ source: "max-age", seconds: 10 },
		],
		[
			"RFC 9111 §4.2.1: Expires − Date",
			200,
			{ Date: DATE, Expires: "Wed, 10 Jan 2024 13:00:00 GMT" },
			{ source: "expires", seconds: 3600 },
		],
		[
			"RFC 9111 §4.2.1: Expires − response_time without Date",
			200,
			{ Expires: "Wed, 10 Jan 2024 12:01:00 GMT" },
			{ source: "expires", seconds: 60 },
		],
		[
			'RFC 9111 §5.3: Expires "0" is already expired',
			200,
			{ Date: DATE, Expires: "0" },
			{ source: "expires", seconds: 0 },
		],
		[
			"RFC 9111 §5.3: Expires before Date is already expired",
			200,
			{ Date: DATE, Expires: "Wed, 10 Jan 2024 11:00:00 GMT" },
			{ source: "expires", seconds: 0 },
		],
		[
			"RFC 9111 §4.2.1: invalid max-age is stale, not Expires",
			200,
			{ "Cache-Control": "max-age=x", Date: DATE, Expires: "Wed, 10 Jan 2024 13:00:00 GMT" },
			{ source: "max-age", seconds: 0 },
		],
		[
			"RFC 9213 §2.2: a targeted field makes Expires ignored",
			200,
			{ "CDN-Cache-Control": "public", Date: DATE, Expires: "Wed, 10 Jan 2024 13:00:00 GMT" },
			{ source: "heuristic", seconds: 0 },
		],
		[
			"RFC 9213 §2.2: a targeted max-age over Cache-Control",
			200,
			{ "CDN-Cache-Control": "max-age=600", "Cache-Control": "max-age=60" },
			{ source: "max-age", seconds: 600 },
		],
		[
			"RFC 9111 §4.2.2: heuristic is 10% of Date − Last-Modified",
			200,
			{ Date: DATE, "Last-Modified": "Wed, 10 Jan 2024 02:00:00 GMT" },
			{ source: "heuristic", seconds: 3600 },
		],
		[
			"RFC 9111 §4.2.2: heuristic is capped (1 day by default)",
			404,
			{ Date: DATE, "Last-Modified": "Sun, 06 Nov 1994 08:49:37 GMT" },
			{ source: "heuristic", seconds: 86_400 },
		],
		[
			"RFC 9111 §4.2.2: no Last-Modified → heuristic 0",
			200,
			{ Date: DATE },
			{ source: "heuristic", seconds: 0 },
		],
		[
			"RFC 9111 §4.2.2: Last-Modified after Date → heuristic 0",
			200,
			{ Date: DATE, "Last-Modified": "Thu, 11 Jan 2024 02:00:00 GMT" },
			{ source: "heuristic", seconds: 0 },
		],
		[
			"RFC 9111 §4.2.2: no heuristics for a status not heuristically cacheable",
			302,
			{ Date: DATE, "Last-Modified": "Wed, 10 Jan 2024 02:00:00 GMT" },
			{ source: "none", seconds: 0 },
		],
		[
			"RFC 9111 §5.2.2.9: public makes any status heuristically cacheable",
			302,
			{ "Cache-Control": "public", Date: DATE, "Last-Modified": "Wed, 10 Jan 2024 02:00:00 GMT" },
			{ source: "heuristic", seconds: 3600 },
		],
		[
			"RFC 9111 §4.2.1: explicit freshness for a non-heuristic status",
			302,
			{ "Cache-Control": "max-age=5" },
			{ source: "max-age", seconds: 5 },
		],
	];
	for (const [title, status, fields, expected] of cases) {
		test(title, () => expect(freshnessLifetime(facts(status, fields))).toEqual(expected));
	}

	test("RFC 9111 §4.2.2: the heuristic cap and fraction are configurable", () => {
		const response = facts(200, { Date: DATE, "Last-Modified": "Wed, 10 Jan 2024 02:00:00 GMT" });
		expect(freshnessLifetime(response, { fraction: 0.5, maxSeconds: 100 })).toEqual({
			source: "heuristic",
			seconds: 100,
		});
	});
});

describe("isFresh", () => {
	const cases: [string, number, number, boolean][] = [
		["RFC 9111 §4.2: fresh while lifetime > age", 60, 59, true],
		["RFC 9111 §4.2: stale when age equals lifetime", 60, 60, false],
		["RFC 9111 §4.2: a zero lifetime is always stale", 0, 0, false],
	];
	for (const [title, lifetime, age, expected] of cases)
		test(title, () => expect(isFresh(lifetime, age)).toBe(expected));

	test("RFC 9111 §4.2: once stale, a response stays stale as now advances", () => {
		fc.assert(
			fc.property(fc.nat(1e6), fc.nat(1e9), fc.nat(1e9), (lifetime, a, b) => {
				const age = (nowOffset: number): number =>
					currentAgeSeconds({
						requestTimeMs: RECEIVED,
						responseTimeMs: RECEIVED,
						nowMs: RECEIVED + nowOffset,
						dateValueMs: undefined,
						ageValueSeconds: 0,
					});
				const [earlier, later] = [Math.min(a, b), Math.max(a, b)];
				if (!isFresh(lifetime, age(earlier))) expect(isFresh(lifetime, age(later))).toBe(false);
			}),
		);
	});
});
