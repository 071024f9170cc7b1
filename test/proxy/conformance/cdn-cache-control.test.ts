/**
 * CDN-Cache-Control end to end (RFC 9213): when valid and non-empty it replaces
 * Cache-Control and Expires for this cache; when it is not a valid Structured Field, or a
 * directive's value breaks its type, the cache falls back to Cache-Control.
 */
import { describe, expect, test } from "bun:test";
import { reusedAfter, type ScriptedField, scriptedEdge } from "./scripted-edge.ts";

describe("CDN-Cache-Control (RFC 9213 §2)", () => {
	const rows: [string, ScriptedField[], boolean][] = [
		["positive max-age", [["cdn-cache-control", "max-age=3600"]], true],
		["max-age of 2^31", [["cdn-cache-control", "max-age=2147483648"]], true],
		["max-age past 2^31", [["cdn-cache-control", "max-age=99999999999"]], true],
		[
			"Age beyond its max-age",
			[
				["date", 0],
				["cdn-cache-control", "max-age=3600"],
				["age", "7200"],
			],
			false,
		],
		["max-age=0", [["cdn-cache-control", "max-age=0"]], false],
		["an unknown directive beside max-age", [["cdn-cache-control", "foobar, max-age=3600"]], true],
		[
			"upper-case keys are not a valid Structured Field (RFC 8941 §3.2): ignored",
			[["cdn-cache-control", "MaX-aGe=3600"]],
			false,
		],
		[
			"its max-age wins over a past Expires",
			[
				["cdn-cache-control", "max-age=3600"],
				["expires", -10000],
				["date", 0],
			],
			true,
		],
		[
			"its max-age=0 wins over a future Expires",
			[
				["cdn-cache-control", "max-age=0"],
				["expires", 10000],
				["date", 0],
			],
			false,
		],
		[
			"a long max-age wins over a short Cache-Control max-age",
			[
				["cache-control", "max-age=1"],
				["cdn-cache-control", "max-age=3600"],
			],
			true,
		],
		[
			"a short max-age wins over a long Cache-Control max-age",
			[
				["cache-control", "max-age=3600"],
				["cdn-cache-control", "max-age=1"],
			],
			false,
		],
		[
			"private, whatever Cache-Control says",
			[
				["cdn-cache-control", "private"],
				["cache-control", "max-age=10000"],
				["expires", 10000],
				["date", 0],
			],
			false,
		],
		[
			"no-cache, whatever Cache-Control says",
			[
				["cdn-cache-control", "no-cache"],
				["cache-control", "max-age=10000"],
				["expires", 10000],
				["date", 0],
			],
			false,
		],
		[
			"no-store, whatever Cache-Control says",
			[
				["cache-control", "max-age=10000"],
				["cdn-cache-control", "no-store"],
				["expires", 10000],
				["date", 0],
			],
			false,
		],
		[
			"a fresh max-age overrides Cache-Control: no-store",
			[
				["cache-control", "no-store"],
				["cdn-cache-control", "max-age=10000"],
			],
			true,
		],
		[
			"space before = is not a valid field: Cache-Control applies",
			[
				["cache-control", "max-age=1"],
				["cdn-cache-control", "max-age =100"],
			],
			false,
		],
		[
			"space after = is not a valid field: Cache-Control applies",
			[
				["cache-control", "max-age=1"],
				["cdn-cache-control", "max-age= 100"],
			],
			false,
		],
		[
			"an invalid Structured Field is ignored: Cache-Control: no-store applies",
			[
				["cdn-cache-control", "max-age=10000, &&&&&"],
				["cache-control", "no-store"],
			],
			false,
		],
		[
			"a String max-age breaks its Integer type: the field is ignored (§2.1)",
			[
				["cdn-cache-control", 'max-age="10000"'],
				["cache-control", "no-store"],
			],
			false,
		],
	];
	test.each(rows)("%s", async (_scenario, fields, reused) => {
		expect(await reusedAfter({ fields }, { after: 2 })).toBe(reused);
	});

	test("a wrongly typed field is not stored under Cache-Control: no-store", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cdn-cache-control", 'max-age="10000"'],
					["cache-control", "no-store"],
				],
			},
		]);
		const miss = await edge.send();
		expect(miss.headers.get("cache-status")).toContain("stored=?0");
	});

	test("the field is passed on to the client", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=10000"],
					["cdn-cache-control", "foo"],
				],
			},
		]);
		const miss = await edge.send();
		expect(miss.headers.get("cdn-cache-control")).toBe("foo");
	});
});
