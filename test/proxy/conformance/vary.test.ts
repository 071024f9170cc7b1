/**
 * Secondary cache keys end to end (RFC 9111 §4.1): a stored response with Vary answers only
 * requests whose listed fields match those of the request that fetched it.
 */
import { describe, expect, test } from "bun:test";
import { type ScriptedField, scriptedEdge } from "./scripted-edge.ts";

type Fields = readonly (readonly [string, string])[];

const varying = (vary: string): ScriptedField[] => [
	["expires", 5000],
	["last-modified", -3000],
	["date", 0],
	["vary", vary],
];

async function reusedUnderVary(vary: string, first: Fields, second: Fields): Promise<boolean> {
	const edge = scriptedEdge([{ fields: varying(vary) }, { fields: varying(vary) }]);
	await edge.send("/resource", first);
	await edge.send("/resource", second);
	return edge.originCalls() === 1;
}

describe("Vary (RFC 9111 §4.1)", () => {
	const rows: [string, string, Fields, Fields, boolean][] = [
		["matching request", "Foo", [["foo", "1"]], [["foo", "1"]], true],
		["different value", "Foo", [["foo", "1"]], [["foo", "2"]], false],
		["the field omitted", "Foo", [["foo", "1"]], [], false],
		[
			"fields Vary does not name are not part of the key",
			"Foo",
			[
				["foo", "1"],
				["other", "2"],
			],
			[
				["foo", "1"],
				["other", "3"],
			],
			true,
		],
		[
			"two fields, both match",
			"Foo, Bar",
			[
				["foo", "1"],
				["bar", "abc"],
			],
			[
				["foo", "1"],
				["bar", "abc"],
			],
			true,
		],
		[
			"two fields, one differs",
			"Foo, Bar",
			[
				["foo", "1"],
				["bar", "abc"],
			],
			[
				["foo", "2"],
				["bar", "abc"],
			],
			false,
		],
		["two fields, the present one omitted", "Foo, Bar", [["foo", "1"]], [], false],
		[
			"three fields, one differs",
			"Foo, Bar, Baz",
			[
				["foo", "1"],
				["bar", "abc4"],
				["baz", "789"],
			],
			[
				["foo", "1"],
				["bar", "abc"],
				["baz", "789"],
			],
			false,
		],
		[
			"absent in both requests matches",
			"Foo, Bar, Baz",
			[
				["foo", "1"],
				["baz", "789"],
			],
			[
				["foo", "1"],
				["baz", "789"],
			],
			true,
		],
		["Vary: * never matches", "*", [["foo", "1"]], [["foo", "1"]], false],
		["Vary: *, * never matches", "*, *", [["foo", "1"]], [["foo", "1"]], false],
		["Vary: , * never matches", ", *", [["foo", "1"]], [["foo", "1"]], false],
		["Vary: *, Foo never matches", "*, Foo", [["foo", "1"]], [["foo", "1"]], false],
		["Vary: Foo, * never matches", "Foo, *", [["foo", "1"]], [["foo", "1"]], false],
		[
			"surrounding whitespace is not significant",
			"Foo",
			[["foo", "1, 2"]],
			[["foo", " 1, 2 "]],
			true,
		],
		// An unknown field is taken as a list (RFC 9110 §5.6.1): spaces around its commas are
		// OWS. A field known not to be a list keeps them (vary.ts, OPAQUE_FIELDS).
		[
			"an unknown field's list spacing is not significant",
			"Foo",
			[["foo", "1,2"]],
			[["foo", " 1, 2 "]],
			true,
		],
		[
			"a User-Agent's spacing is",
			"User-Agent",
			[["user-agent", "x (a,b)"]],
			[["user-agent", "x (a, b)"]],
			false,
		],
		[
			"Accept-Language members of different weights in another order",
			"Accept-Language",
			[["accept-language", "fr;q=0.5, de"]],
			[["accept-language", "DE, fr;q=0.50"]],
			true,
		],
		[
			"Accept-Language members of equal weight in another order (RFC 9110 §12.5.4)",
			"Accept-Language",
			[["accept-language", "en, de"]],
			[["accept-language", "de, en"]],
			false,
		],
		[
			"two field lines equal one combined line",
			"Foo",
			[["foo", "1, 2"]],
			[
				["foo", "1"],
				["foo", "2"],
			],
			true,
		],
	];
	test.each(rows)("%s", async (_scenario, vary, first, second, reused) => {
		expect(await reusedUnderVary(vary, first, second)).toBe(reused);
	});

	test("storing a second variant leaves the first in place", async () => {
		const edge = scriptedEdge([
			{ fields: varying("Foo"), body: "foo 1" },
			{ fields: varying("Foo"), body: "foo 2" },
		]);
		await edge.send("/resource", [["foo", "1"]]);
		await edge.send("/resource", [["foo", "2"]]);
		const again = await edge.send("/resource", [["foo", "1"]]);
		expect(again.text).toBe("foo 1");
		expect(edge.originCalls()).toBe(2);
	});

	test("Vary on two field lines is one list", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=5000"],
					["vary", "Foo"],
					["vary", "Bar"],
				],
			},
			{ fields: [["cache-control", "max-age=5000"]] },
		]);
		await edge.send("/resource", [
			["foo", "1"],
			["bar", "a"],
		]);
		await edge.send("/resource", [
			["foo", "1"],
			["bar", "b"],
		]);
		expect(edge.originCalls()).toBe(2);
	});
});
