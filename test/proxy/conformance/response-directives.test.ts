/**
 * Response directives other than freshness, end to end, for a shared cache: no-store,
 * no-cache (plain and with field names), private, must-revalidate and the other directives
 * that forbid serving stale (RFC 9111 §5.2.2, §4.2.4), stale-if-error (RFC 5861 §4), which
 * stored fields come back on a hit (§3.1, RFC 9110 §7.6.1), and authenticated requests (§3.5).
 */
import { describe, expect, test } from "bun:test";
import { reusedAfter, type ScriptedField, scriptedEdge } from "./scripted-edge.ts";

describe("storing and reusing (RFC 9111 §5.2.2)", () => {
	const rows: [string, ScriptedField[], boolean][] = [
		[
			"shared cache must not store private (§5.2.2.7)",
			[["cache-control", "private, max-age=3600"]],
			false,
		],
		["no-store (§5.2.2.5)", [["cache-control", "no-store"]], false],
		["no-store, any case", [["cache-control", "No-StOrE"]], false],
		[
			"no-store beside max-age and Expires",
			[
				["cache-control", "max-age=10000, no-store"],
				["expires", 10000],
				["date", 0],
			],
			false,
		],
		[
			"no-cache beside max-age and Expires: never reused unvalidated (§5.2.2.4)",
			[
				["cache-control", "max-age=10000, No-CaChE"],
				["expires", 10000],
				["date", 0],
			],
			false,
		],
		[
			"a fresh max-age, must-revalidate is reused",
			[
				["cache-control", "max-age=10000, must-revalidate"],
				["etag", '"abcd"'],
			],
			true,
		],
		[
			"Set-Cookie does not stop reuse",
			[
				["cache-control", "max-age=3600"],
				["set-cookie", "a=b"],
			],
			true,
		],
		[
			"Content-Disposition: attachment does not stop reuse",
			[
				["cache-control", "max-age=3600"],
				["content-disposition", "attachment; filename=example.txt"],
			],
			true,
		],
		[
			"response Pragma: no-cache is not Cache-Control (§5.4)",
			[
				["cache-control", "max-age=3600"],
				["pragma", "no-cache"],
			],
			true,
		],
	];
	test.each(rows)("%s", async (_scenario, fields, reused) => {
		expect(await reusedAfter({ fields }, { after: 1 })).toBe(reused);
	});

	test("a request Cookie does not stop reuse", async () => {
		const fields: ScriptedField[] = [["cache-control", "max-age=3600"]];
		expect(await reusedAfter({ fields }, { secondRequest: [["cookie", "a=b"]] })).toBe(true);
	});
});

describe("fields a hit must not send (RFC 9111 §3.1, §5.2.2.4, §5.2.2.7; RFC 9110 §7.6.1)", () => {
	const storedThenHit = async (fields: ScriptedField[]) => {
		const edge = scriptedEdge([
			{ fields: [...fields, ["cache-control", "max-age=3600"], ["date", 0]] },
		]);
		await edge.send();
		edge.pass(2);
		const hit = await edge.send();
		expect(edge.originCalls()).toBe(1);
		return hit.headers;
	};

	test("fields named by Connection, and Connection itself, are not stored", async () => {
		const headers = await storedThenHit([
			["connection", "a, b"],
			["a", "1"],
			["b", "2"],
			["c", "3"],
		]);
		expect(headers.get("c")).toBe("3");
		for (const name of ["connection", "a", "b"]) expect(headers.has(name)).toBe(false);
	});

	test('no-cache="a" keeps a out of the stored response, the rest is reused', async () => {
		const headers = await storedThenHit([
			["cache-control", 'no-cache="a"'],
			["a", "1"],
			["b", "2"],
		]);
		expect(headers.get("b")).toBe("2");
		expect(headers.has("a")).toBe(false);
	});

	test('no-cache="a, b" keeps both out', async () => {
		const headers = await storedThenHit([
			["cache-control", 'no-cache="a, b"'],
			["a", "1"],
			["b", "2"],
			["c", "3"],
		]);
		expect(headers.get("c")).toBe("3");
		expect(headers.has("a")).toBe(false);
		expect(headers.has("b")).toBe(false);
	});

	test('private="set-cookie" keeps the cookie out of what a shared cache stores', async () => {
		const headers = await storedThenHit([
			["cache-control", 'private="set-cookie"'],
			["set-cookie", "session=secret"],
			["x-kept", "yes"],
		]);
		expect(headers.get("x-kept")).toBe("yes");
		expect(headers.has("set-cookie")).toBe(false);
	});

	test("the client that caused the fill still gets every end-to-end field", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", 'no-cache="a", max-age=3600'],
					["a", "1"],
				],
			},
		]);
		const miss = await edge.send();
		expect(miss.headers.get("a")).toBe("1");
	});

	test("a hit keeps the origin's Date and adds an Age that grows (RFC 9111 §4, §5.1)", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=600"],
					["date", 0],
					["age", "30"],
				],
			},
		]);
		const miss = await edge.send();
		edge.pass(3);
		const hit = await edge.send();
		expect(hit.headers.get("date")).toBe(miss.headers.get("date"));
		expect(Number(hit.headers.get("age"))).toBeGreaterThan(32);
	});
});

describe("serving stale (RFC 9111 §4.2.4, RFC 5861 §4)", () => {
	test.each([
		["must-revalidate", "max-age=2, must-revalidate, stale-if-error=60"],
		["proxy-revalidate", "max-age=2, proxy-revalidate, stale-if-error=60"],
		["no-cache", "max-age=2, no-cache, stale-if-error=60"],
		["s-maxage", "max-age=2, s-maxage=2, stale-if-error=60"],
	])("%s forbids serving stale when the origin is gone", async (_directive, value) => {
		const edge = scriptedEdge([{ fields: [["cache-control", value]] }, "disconnect"]);
		await edge.send();
		edge.pass(3);
		const second = await edge.send();
		expect(second.status).toBe(502);
		expect(edge.originCalls()).toBe(2);
	});

	test("past stale-if-error the origin's error is passed on", async () => {
		const edge = scriptedEdge([
			{ fields: [["cache-control", "max-age=0, stale-if-error=1"]] },
			{ status: 500, body: "broken" },
		]);
		await edge.send();
		edge.pass(3);
		const second = await edge.send();
		expect(second.status).toBe(500);
		expect(second.text).toBe("broken");
	});

	test("within stale-if-error a 500 is replaced by the stale response", async () => {
		const edge = scriptedEdge([
			{ fields: [["cache-control", "max-age=0, stale-if-error=3600"]], body: "kept" },
			{ status: 500 },
		]);
		await edge.send();
		edge.pass(1);
		const second = await edge.send();
		expect(second.status).toBe(200);
		expect(second.text).toBe("kept");
	});

	test("a request's stale-if-error lets a stale response stand in for a 500 (RFC 5861 §4)", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=0"],
					["etag", '"v1"'],
				],
				body: "kept",
			},
			{ status: 500 },
		]);
		await edge.send();
		edge.pass(1);
		const second = await edge.send("/resource", [["cache-control", "stale-if-error=3600"]]);
		expect(second.status).toBe(200);
		expect(second.text).toBe("kept");
	});

	test("past a request's stale-if-error the 500 is passed on", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=0"],
					["etag", '"v1"'],
				],
			},
			{ status: 500 },
		]);
		await edge.send();
		edge.pass(3);
		const second = await edge.send("/resource", [["cache-control", "stale-if-error=1"]]);
		expect(second.status).toBe(500);
	});
});

describe("authenticated requests in a shared cache (RFC 9111 §3.5)", () => {
	const withAuthorization = (cacheControl: ScriptedField[]) =>
		reusedAfter(
			{ fields: [...cacheControl, ["date", 0]] },
			{ after: 1, firstRequest: [["authorization", "FOO"]] },
		);

	test("not reused, even with explicit freshness", async () => {
		expect(await withAuthorization([["expires", 30 * 24 * 3600]])).toBe(false);
	});
	test.each(["max-age=3600, public", "max-age=3600, must-revalidate", "s-maxage=3600"])(
		"reused with %s",
		async (value) => {
			expect(await withAuthorization([["cache-control", value]])).toBe(true);
		},
	);
	test("the Authorization field reaches the origin", async () => {
		const edge = scriptedEdge([{ fields: [["cache-control", "max-age=3600, public"]] }]);
		await edge.send("/resource", [["authorization", "FOO"]]);
		expect(edge.seenRequest(1).headers.get("authorization")).toBe("FOO");
	});
});
