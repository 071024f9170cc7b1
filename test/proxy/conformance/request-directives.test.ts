/**
 * Request directives end to end (RFC 9111 §5.2.1), Pragma (§5.4), and requests carrying
 * directives this cache does not know (ignored, §5.2.3).
 */
import { describe, expect, test } from "bun:test";
import { reusedAfter, type ScriptedField, scriptedEdge } from "./scripted-edge.ts";

const freshForAnHour: ScriptedField[] = [["cache-control", "max-age=3600"]];

describe("request Cache-Control (RFC 9111 §5.2.1)", () => {
	const rows: [string, ScriptedField[], string, number, boolean][] = [
		[
			"an unknown request directive changes nothing",
			freshForAnHour,
			"nothing-to-see-here",
			1,
			true,
		],
		["max-age=0 asks for validation (§5.2.1.1)", freshForAnHour, "max-age=0", 3, false],
		["max-age=1 refuses a response 3 s old", freshForAnHour, "max-age=1", 3, false],
		[
			"max-age refuses a response whose Age is past it",
			[
				["cache-control", "max-age=3600"],
				["age", "1800"],
			],
			"max-age=600",
			0,
			false,
		],
		[
			// With a validator: the tier keeps a stale response only when it can be revalidated
			// (or a stale window allows it), so one without is gone before max-stale can use it.
			"max-stale accepts a stale response (§5.2.1.2)",
			[
				["cache-control", "max-age=1"],
				["etag", '"v1"'],
			],
			"max-stale=1000",
			3,
			true,
		],
		[
			"max-stale accepts a response stale by its Age",
			[
				["cache-control", "max-age=1500"],
				["age", "2000"],
			],
			"max-stale=1000",
			0,
			true,
		],
		[
			"min-fresh refuses what is not fresh enough (§5.2.1.3)",
			[["cache-control", "max-age=1500"]],
			"min-fresh=2000",
			0,
			false,
		],
		[
			"min-fresh counts the Age",
			[
				["cache-control", "max-age=1500"],
				["age", "1000"],
			],
			"min-fresh=1000",
			0,
			false,
		],
		["no-cache asks for validation (§5.2.1.4)", freshForAnHour, "no-cache", 0, false],
		["no-store goes to the origin (§5.2.1.5)", freshForAnHour, "no-store", 0, false],
	];
	test.each(rows)("%s", async (_scenario, fields, requestCacheControl, after, reused) => {
		const secondRequest = [["cache-control", requestCacheControl]] as const;
		expect(await reusedAfter({ fields }, { after, secondRequest })).toBe(reused);
	});

	test("only-if-cached with nothing stored: 504 (§5.2.1.7)", async () => {
		const edge = scriptedEdge([]);
		const answer = await edge.send("/resource", [["cache-control", "only-if-cached"]]);
		expect(answer.status).toBe(504);
		expect(edge.originCalls()).toBe(0);
	});

	// no-store forbids storing (§5.2.1.5: "if a request containing this directive is
	// satisfied from a cache, the no-store request directive does not apply to the already
	// stored response"); it does not let the cache go forward where only-if-cached forbids it.
	test("no-store with only-if-cached: 504 with nothing stored, never the origin", async () => {
		const edge = scriptedEdge([]);
		const answer = await edge.send("/resource", [["cache-control", "no-store, only-if-cached"]]);
		expect(answer.status).toBe(504);
		expect(edge.originCalls()).toBe(0);
	});

	test.each([true, false])(
		"no-store with only-if-cached: a fresh stored response answers it (sync lookup: %p)",
		async (syncLookup) => {
			const edge = scriptedEdge([{ fields: freshForAnHour, body: "stored" }], { syncLookup });
			await edge.send();
			const answer = await edge.send("/resource", [["cache-control", "only-if-cached, no-store"]]);
			expect(answer.status).toBe(200);
			expect(answer.text).toBe("stored");
			expect(answer.headers.get("cache-status")).toContain("hit");
			expect(edge.originCalls()).toBe(1);
		},
	);

	test("no-store with only-if-cached: a stale one is a 504, not a refresh", async () => {
		const edge = scriptedEdge([
			{ fields: [["cache-control", "max-age=1, stale-while-revalidate=600"]], body: "stored" },
		]);
		await edge.send();
		edge.pass(5);
		const answer = await edge.send("/resource", [["cache-control", "no-store, only-if-cached"]]);
		expect(answer.status).toBe(504);
		expect(edge.originCalls()).toBe(1);
	});

	// RFC 9211 §2.2: fwd says the request went forward, and without fwd-status (§2.3) that the
	// next hop answered with the response's own status: a 504 of ours would read as the origin's.
	test("only-if-cached's 504 does not claim the request went forward", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=1"],
					["etag", '"v1"'],
					["vary", "accept-language"],
				],
			},
		]);
		const onlyIfCached = ["cache-control", "only-if-cached"] as const;
		const nothing = await edge.send("/other", [onlyIfCached]);
		await edge.send("/resource", [["accept-language", "en"]]);
		const otherVariant = await edge.send("/resource", [onlyIfCached, ["accept-language", "de"]]);
		edge.pass(5);
		const stale = await edge.send("/resource", [onlyIfCached, ["accept-language", "en"]]);
		for (const answer of [nothing, otherVariant, stale]) {
			expect(answer.status).toBe(504);
			expect(answer.headers.get("cache-status")).toBe('NeuroCache;detail="only-if-cached"');
		}
		expect(edge.originCalls()).toBe(1);
	});

	test("no-cache validates a response with an ETag", async () => {
		const edge = scriptedEdge([
			{ fields: [...freshForAnHour, ["etag", '"abc"']] },
			{ status: 304, body: null },
		]);
		await edge.send();
		await edge.send("/resource", [["cache-control", "no-cache"]]);
		expect(edge.seenRequest(2).headers.get("if-none-match")).toBe('"abc"');
	});
});

describe("Pragma (RFC 9111 §5.4: deprecated, not Cache-Control)", () => {
	test.each(["no-cache", "unrecognised-extension"])("request Pragma: %s", async (value) => {
		expect(
			await reusedAfter({ fields: freshForAnHour }, { secondRequest: [["pragma", value]] }),
		).toBe(true);
	});
	test("response Pragma: no-cache beside heuristic freshness", async () => {
		const fields: ScriptedField[] = [
			["last-modified", -10000],
			["pragma", "no-cache"],
		];
		expect(await reusedAfter({ fields })).toBe(true);
	});
});

describe("HEAD (RFC 9110 §9.3.2)", () => {
	test("a stored GET answers a HEAD without a body", async () => {
		const edge = scriptedEdge([{ fields: freshForAnHour, body: "whole" }]);
		await edge.send();
		const head = await edge.send("/resource", [], "HEAD");
		expect(head.status).toBe(200);
		expect(head.text).toBe("");
		expect(edge.originCalls()).toBe(1);
	});

	test("a HEAD that misses fills the cache with a GET; the client gets the head only", async () => {
		const edge = scriptedEdge([{ fields: freshForAnHour, body: "whole" }]);
		const head = await edge.send("/resource", [], "HEAD");
		expect(head.status).toBe(200);
		expect(head.text).toBe("");
		expect(edge.seenRequest(1).method).toBe("GET");
		const get = await edge.send();
		expect(get.text).toBe("whole");
		expect(get.headers.get("cache-status")).toContain("hit");
		expect(edge.originCalls()).toBe(1);
	});

	test("a HEAD on a stale entry goes through as a HEAD, and a 200 for another representation is not stored as the GET's", async () => {
		// An ETag the stored response lacks: RFC 9111 §4.3.5 leaves the entry stale.
		const edge = scriptedEdge([
			{ fields: [["cache-control", "max-age=10"]], body: "first" },
			{ fields: [...freshForAnHour, ["etag", '"other"']], body: null },
			{ fields: freshForAnHour, body: "second" },
		]);
		await edge.send();
		edge.pass(20);
		const head = await edge.send("/resource", [], "HEAD");
		expect(head.status).toBe(200);
		expect(edge.seenRequest(2).method).toBe("HEAD");
		const get = await edge.send();
		expect(get.text).toBe("second");
		expect(edge.originCalls()).toBe(3);
	});
});
