/**
 * Freshness as a shared cache sees it, end to end: Cache-Control max-age / s-maxage and how
 * they parse (RFC 9111 §4.2.1, §5.2, §1.2.2), Expires and Date (§5.3, RFC 9110 §5.6.7), Age
 * (§4.2.3), heuristic freshness (§4.2.2) and which status codes may be reused (§3, RFC 9110
 * §15.1). Each row: the origin's fields, seconds until the same URL is asked for again, and
 * whether that second request may be answered without the origin.
 */
import { describe, expect, test } from "bun:test";
import { reusedAfter, type ScriptedField } from "./scripted-edge.ts";

type Row = readonly [
	scenario: string,
	fields: readonly ScriptedField[],
	after: number,
	reused: boolean,
];

const cacheControl: Row[] = [
	["no freshness and no validator: not reused", [], 3, false],
	["positive max-age", [["cache-control", "max-age=3600"]], 3, true],
	[
		"max-age in a quoted-string (§5.2: either form)",
		[["cache-control", 'max-age="3600"']],
		3,
		true,
	],
	["single-quoted max-age is invalid", [["cache-control", "max-age='3600'"]], 3, false],
	[
		'"max-age" inside an extension\'s quoted string is not max-age',
		[["cache-control", 'extension="max-age=100", max-age=1']],
		3,
		false,
	],
	[
		'"max-age" inside a later quoted string is not max-age',
		[["cache-control", 'max-age=1, extension="max-age=100"']],
		3,
		false,
	],
	[
		"quoted max-age beside a quoted extension",
		[["cache-control", 'max-age="1", extension="max-age=100"']],
		3,
		false,
	],
	["space before = voids max-age", [["cache-control", "max-age =100"]], 3, false],
	["space after = voids max-age", [["cache-control", "max-age= 100"]], 3, false],
	["max-age=0", [["cache-control", "max-age=0"]], 3, false],
	["leading alpha", [["cache-control", "max-age=a100"]], 3, false],
	["trailing alpha", [["cache-control", "max-age=100a"]], 3, false],
	["negative", [["cache-control", "max-age=-100"]], 3, false],
	["leading zeros are digits (§1.2.2)", [["cache-control", "max-age=003600"]], 3, true],
	["2^31 (§1.2.2)", [["cache-control", "max-age=2147483648"]], 3, true],
	["past 2^31 is taken as 2^31 (§1.2.2)", [["cache-control", "max-age=99999999999"]], 3, true],
	["case-insensitive name", [["cache-control", "MaX-aGe=3600"]], 3, true],
	[
		"an unknown extension is ignored (§5.2.3)",
		[["cache-control", "foobar, max-age=3600"]],
		3,
		true,
	],
	[
		"Age beyond max-age is stale (§4.2.3)",
		[
			["date", 0],
			["cache-control", "max-age=10"],
			["age", "15"],
		],
		0,
		false,
	],
	[
		"max-age wins over a past Expires (§5.3)",
		[
			["cache-control", "max-age=3600"],
			["expires", -10000],
			["date", 0],
		],
		3,
		true,
	],
	[
		"max-age wins over an invalid Expires",
		[
			["cache-control", "max-age=3600"],
			["expires", "0"],
			["date", 0],
		],
		3,
		true,
	],
	[
		"max-age=0 wins over a future Expires",
		[
			["expires", 10000],
			["cache-control", "max-age=0"],
			["date", 0],
		],
		3,
		false,
	],
	["s-maxage alone (§5.2.2.10)", [["cache-control", "s-maxage=3600"]], 3, true],
	["shorter s-maxage beats max-age", [["cache-control", "max-age=3600, s-maxage=1"]], 3, false],
	[
		"shorter s-maxage beats max-age, reversed",
		[["cache-control", "s-maxage=1, max-age=3600"]],
		3,
		false,
	],
	[
		"shorter s-maxage beats max-age, separate lines",
		[
			["cache-control", "max-age=3600"],
			["cache-control", "s-maxage=1"],
		],
		3,
		false,
	],
	["longer s-maxage beats max-age", [["cache-control", "max-age=1, s-maxage=3600"]], 3, true],
];

const expires: Row[] = [
	[
		"future Expires",
		[
			["expires", 30 * 24 * 3600],
			["date", 0],
		],
		3,
		true,
	],
	[
		"past Expires",
		[
			["expires", -30 * 24 * 3600],
			["date", 0],
		],
		3,
		false,
	],
	[
		"Expires equal to Date",
		[
			["expires", 0],
			["date", 0],
		],
		0,
		false,
	],
	[
		"Expires before Date, both in the future",
		[
			["expires", 300],
			["date", 400],
		],
		3,
		false,
	],
	[
		'invalid Expires "0" means already expired (§5.3)',
		[
			["expires", "0"],
			["date", 0],
		],
		3,
		false,
	],
	...[
		"Thu, 18 Aug 2050 02:01:18 UTC",
		"Thu, 18 Aug 50 02:01:18 GMT",
		"Thu 18 Aug 2050 02:01:18 GMT",
		"Thu, 18  Aug  2050 02:01:18 GMT",
		"Thu, 18-Aug-2050 02:01:18 GMT",
		"Thu, 18 Aug 2050 02.01.18 GMT",
		"Thu, 18 Aug 2050 2:01:18 GMT",
	].map(
		(value): Row => [
			`malformed Expires "${value}" is already expired`,
			[
				["expires", value],
				["date", 0],
			],
			0,
			false,
		],
	),
	[
		"an invalid Date falls back to the time received (RFC 9110 §6.6.1)",
		[
			["date", "foo"],
			["expires", 10],
		],
		0,
		true,
	],
	[
		"Age past Expires - Date, with a slow Date",
		[
			["date", -10],
			["expires", 10],
			["age", "25"],
		],
		0,
		false,
	],
	[
		"Age past Expires - Date, with a fast Date",
		[
			["date", 10],
			["expires", 20],
			["age", "15"],
		],
		0,
		false,
	],
];

describe("Cache-Control freshness, parsed and applied (RFC 9111 §4.2.1, §5.2)", () => {
	test.each(cacheControl)("%s", async (_scenario, fields, after, reused) => {
		expect(await reusedAfter({ fields }, { after })).toBe(reused);
	});
});

describe("Expires, Date and Age (RFC 9111 §5.3, §4.2.3)", () => {
	test.each(expires)("%s", async (_scenario, fields, after, reused) => {
		expect(await reusedAfter({ fields }, { after })).toBe(reused);
	});
});

describe("heuristic freshness only for heuristically cacheable statuses (RFC 9111 §4.2.2)", () => {
	const lastModifiedADayAgo: ScriptedField[] = [
		["last-modified", -24 * 3600],
		["date", 0],
	];
	test.each([200, 203, 204, 404, 405, 410, 414, 501])("%d is reused", async (status) => {
		const body = status === 204 ? null : "x";
		expect(await reusedAfter({ status, fields: lastModifiedADayAgo, body })).toBe(true);
	});
	test.each([201, 202, 403, 502, 503, 504, 599])("%d is not", async (status) => {
		expect(await reusedAfter({ status, fields: lastModifiedADayAgo })).toBe(false);
	});
	test("an unknown status with public may be (§5.2.2.9)", async () => {
		const fields: ScriptedField[] = [...lastModifiedADayAgo, ["cache-control", "public"]];
		expect(await reusedAfter({ status: 599, fields })).toBe(true);
	});
});

describe("status codes with explicit freshness (RFC 9111 §3)", () => {
	const statuses = [
		200, 203, 204, 299, 301, 302, 303, 307, 308, 400, 404, 410, 499, 500, 502, 503, 504, 599,
	];
	test.each(statuses)("a fresh %d is reused", async (status) => {
		const fields: ScriptedField[] = [
			["expires", 100000],
			["cache-control", "max-age=100000"],
			["last-modified", 0],
			["date", 0],
		];
		expect(await reusedAfter({ status, fields, body: status === 204 ? null : "x" })).toBe(true);
	});
	test.each(statuses)("a stale %d is not", async (status) => {
		const fields: ScriptedField[] = [
			["expires", -5000],
			["last-modified", -100000],
			["date", 0],
		];
		expect(await reusedAfter({ status, fields, body: status === 204 ? null : "x" })).toBe(false);
	});
});
