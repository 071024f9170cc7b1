import { describe, expect, test } from "bun:test";
import {
	parseRequestCacheControl,
	parseResponseCacheControl,
} from "../../edge/http/cache-control.ts";
import {
	decideReuse,
	mayServeStaleOnError,
	mayServeStaleWhenUnreachable,
	type ReuseDecision,
	type StaleOnErrorDecision,
} from "../../edge/http/reuse.ts";

describe("decideReuse", () => {
	// [title, response Cache-Control, request Cache-Control, lifetime, age, decision]
	const cases: [string, string, string, number, number, ReuseDecision][] = [
		[
			"RFC 9111 §4.2: fresh → serve",
			"max-age=60",
			"",
			60,
			10,
			{ action: "serve", because: "fresh" },
		],
		[
			"RFC 9111 §4.2: stale → validate",
			"max-age=60",
			"",
			60,
			61,
			{ action: "validate", reason: "stale" },
		],
		[
			"RFC 9111 §5.2.2.4: response no-cache validates even when fresh",
			"no-cache, max-age=60",
			"",
			60,
			1,
			{ action: "validate", reason: "response-no-cache" },
		],
		[
			"RFC 9111 §5.2.2.4: qualified no-cache does not force validation",
			'no-cache="set-cookie", max-age=60',
			"",
			60,
			1,
			{ action: "serve", because: "fresh" },
		],
		[
			"RFC 9111 §5.2.1.4: request no-cache validates",
			"max-age=60",
			"no-cache",
			60,
			1,
			{ action: "validate", reason: "request-no-cache" },
		],
		[
			"RFC 9111 §5.2.1.1: request max-age below current age validates",
			"max-age=60",
			"max-age=5",
			60,
			10,
			{ action: "validate", reason: "request-max-age" },
		],
		[
			"RFC 9111 §5.2.1.1: request max-age at current age serves",
			"max-age=60",
			"max-age=10",
			60,
			10,
			{ action: "serve", because: "fresh" },
		],
		[
			"RFC 9111 §5.2.1.3: min-fresh not met validates",
			"max-age=60",
			"min-fresh=30",
			60,
			40,
			{ action: "validate", reason: "request-min-fresh" },
		],
		[
			"RFC 9111 §5.2.1.3: min-fresh met serves",
			"max-age=60",
			"min-fresh=30",
			60,
			30,
			{ action: "serve", because: "fresh" },
		],
		[
			"RFC 9111 §5.2.1.2: max-stale within bound serves stale",
			"max-age=60",
			"max-stale=10",
			60,
			70,
			{ action: "serve-stale", because: "max-stale" },
		],
		[
			"RFC 9111 §5.2.1.2: max-stale exceeded validates",
			"max-age=60",
			"max-stale=10",
			60,
			71,
			{ action: "validate", reason: "stale" },
		],
		[
			"RFC 9111 §5.2.1.2: bare max-stale accepts any staleness",
			"max-age=60",
			"max-stale",
			60,
			1e9,
			{ action: "serve-stale", because: "max-stale" },
		],
		[
			"RFC 9111 §4.2.4: must-revalidate forbids max-stale",
			"max-age=60, must-revalidate",
			"max-stale",
			60,
			61,
			{ action: "validate", reason: "must-revalidate" },
		],
		[
			"RFC 9111 §4.2.4: proxy-revalidate forbids stale in a shared cache",
			"max-age=60, proxy-revalidate",
			"max-stale",
			60,
			61,
			{ action: "validate", reason: "proxy-revalidate" },
		],
		[
			"RFC 9111 §5.2.2.10: s-maxage forbids stale in a shared cache",
			"s-maxage=60, stale-while-revalidate=30",
			"",
			60,
			61,
			{ action: "validate", reason: "s-maxage" },
		],
		[
			"RFC 5861 §3: inside stale-while-revalidate",
			"max-age=60, stale-while-revalidate=30",
			"",
			60,
			90,
			{ action: "serve-stale-while-revalidate" },
		],
		[
			"RFC 5861 §3: past stale-while-revalidate",
			"max-age=60, stale-while-revalidate=30",
			"",
			60,
			91,
			{ action: "validate", reason: "stale" },
		],
		[
			"RFC 5861 §3: must-revalidate overrides stale-while-revalidate",
			"max-age=60, must-revalidate, stale-while-revalidate=30",
			"",
			60,
			61,
			{ action: "validate", reason: "must-revalidate" },
		],
		[
			"RFC 9111 §5.2.1.3: min-fresh cannot be met by a stale response",
			"max-age=60, stale-while-revalidate=30",
			"min-fresh=1",
			60,
			61,
			{ action: "validate", reason: "request-min-fresh" },
		],
		[
			"RFC 8246 §2: fresh immutable survives a reload",
			"max-age=60, immutable",
			"no-cache",
			60,
			1,
			{ action: "serve", because: "immutable" },
		],
		[
			"RFC 8246 §2: stale immutable is validated on reload",
			"max-age=60, immutable",
			"max-age=0",
			60,
			61,
			{ action: "validate", reason: "request-max-age" },
		],
	];
	for (const [
		title,
		responseField,
		requestField,
		lifetimeSeconds,
		currentAgeSeconds,
		expected,
	] of cases) {
		test(title, () => {
			const decision = decideReuse({
				response: parseResponseCacheControl(responseField),
				request: parseRequestCacheControl(requestField),
				lifetimeSeconds,
				currentAgeSeconds,
			});
			expect(decision).toEqual(expected);
		});
	}
});

describe("mayServeStaleOnError", () => {
	const cases: [string, string, number, number, StaleOnErrorDecision][] = [
		[
			"RFC 5861 §4: inside stale-if-error",
			"max-age=60, stale-if-error=600",
			60,
			660,
			{ allowed: true },
		],
		[
			"RFC 5861 §4: past stale-if-error",
			"max-age=60, stale-if-error=600",
			60,
			661,
			{ allowed: false, reason: "outside-stale-if-error" },
		],
		[
			"RFC 5861 §4: no stale-if-error → not allowed",
			"max-age=60",
			60,
			61,
			{ allowed: false, reason: "outside-stale-if-error" },
		],
		[
			"RFC 9111 §5.2.2.2: must-revalidate wins even on error",
			"max-age=60, must-revalidate, stale-if-error=600",
			60,
			61,
			{ allowed: false, reason: "must-revalidate" },
		],
		[
			"RFC 9111 §4.2.4: unqualified no-cache forbids stale on error",
			"no-cache, stale-if-error=600",
			0,
			1,
			{ allowed: false, reason: "no-cache" },
		],
		[
			"RFC 9111 §4.2: a fresh response may always be served",
			"max-age=60, must-revalidate",
			60,
			1,
			{ allowed: true },
		],
	];
	for (const [title, field, lifetime, age, expected] of cases) {
		test(title, () =>
			expect(mayServeStaleOnError(parseResponseCacheControl(field), lifetime, age)).toEqual(
				expected,
			),
		);
	}

	const withRequest: [string, string, string, number, number, StaleOnErrorDecision][] = [
		[
			"RFC 5861 §4: inside the request's stale-if-error",
			"max-age=60",
			"stale-if-error=600",
			60,
			660,
			{ allowed: true },
		],
		[
			"RFC 5861 §4: past the request's stale-if-error",
			"max-age=60",
			"stale-if-error=600",
			60,
			661,
			{ allowed: false, reason: "outside-stale-if-error" },
		],
		[
			"RFC 9111 §5.2.2.2: must-revalidate wins over the request's stale-if-error",
			"max-age=60, must-revalidate",
			"stale-if-error=600",
			60,
			61,
			{ allowed: false, reason: "must-revalidate" },
		],
	];
	for (const [title, responseField, requestField, lifetime, age, expected] of withRequest) {
		test(title, () =>
			expect(
				mayServeStaleOnError(
					parseResponseCacheControl(responseField),
					lifetime,
					age,
					parseRequestCacheControl(requestField),
				),
			).toEqual(expected),
		);
	}
});

describe("mayServeStaleWhenUnreachable (RFC 9111 §4.2.4, disconnected)", () => {
	const decide = (cacheControl: string, lifetime: number, age: number, limit: number) =>
		mayServeStaleWhenUnreachable(parseResponseCacheControl(cacheControl), lifetime, age, limit);

	test("allowed within the operator's limit of staleness", () => {
		expect(decide("max-age=60", 60, 100, 3600)).toEqual({ allowed: true });
		expect(decide("max-age=60", 60, 3660, 3600)).toEqual({ allowed: true });
	});

	test("refused past the limit, and always with a limit of 0 once stale", () => {
		expect(decide("max-age=60", 60, 3661, 3600)).toEqual({ allowed: false, reason: "past-limit" });
		expect(decide("max-age=60", 60, 61, 0)).toEqual({ allowed: false, reason: "past-limit" });
	});

	test.each([
		["max-age=60, must-revalidate", "must-revalidate"],
		["max-age=60, proxy-revalidate", "proxy-revalidate"],
		["s-maxage=60", "s-maxage"],
		["no-cache", "no-cache"],
	] as const)("%p forbids it (%p)", (cacheControl, reason) => {
		expect(decide(cacheControl, 60, 100, 3600)).toEqual({ allowed: false, reason });
	});
});
