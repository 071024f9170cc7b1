/**
 * Validation end to end: the conditional requests the edge sends for a stale response
 * (RFC 9111 §4.3.1), what a 304 does to the stored response (§4.3.3, §4.3.4, §3.2), and how
 * the edge answers a client's own conditional request from what it holds (§4.3.2, RFC 9110
 * §13).
 */
import { describe, expect, test } from "bun:test";
import { A_DAY_BEFORE_START, type ScriptedField, scriptedEdge } from "./scripted-edge.ts";

describe("revalidating a stale response (RFC 9111 §4.3.1, §4.3.3)", () => {
	test("must-revalidate: a stale response is validated with its ETag, and a 304 serves it", async () => {
		const fields: ScriptedField[] = [
			["cache-control", "max-age=2, must-revalidate"],
			["etag", '"abcd"'],
		];
		const edge = scriptedEdge([
			{ fields, body: "stored" },
			{ status: 304, fields, body: null },
		]);
		await edge.send();
		edge.pass(3);
		const second = await edge.send();
		expect(edge.seenRequest(2).headers.get("if-none-match")).toBe('"abcd"');
		expect(second.status).toBe(200);
		expect(second.text).toBe("stored");
	});

	test("a 304 without validators answers the request that named only ours: it freshens", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=2"],
					["etag", '"abcd"'],
				],
				body: "stored",
			},
			{ status: 304, body: null },
		]);
		await edge.send();
		edge.pass(3);
		const second = await edge.send();
		expect(second.status).toBe(200);
		expect(second.text).toBe("stored");
		// One conditional request, not a second unconditional one after it.
		expect(edge.originCalls()).toBe(2);
	});

	test("the Vary-selected request fields go with the conditional request", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["expires", 1],
					["etag", '"abcdef"'],
					["date", 0],
					["vary", "Abc"],
				],
				body: "variant",
			},
			{ status: 304, body: null },
		]);
		await edge.send("/resource", [["abc", "123"]]);
		edge.pass(3);
		const second = await edge.send("/resource", [["abc", "123"]]);
		const conditional = edge.seenRequest(2).headers;
		expect(conditional.get("if-none-match")).toBe('"abcdef"');
		expect(conditional.get("abc")).toBe("123");
		expect(second.text).toBe("variant");
		expect(edge.originCalls()).toBe(2);
	});

	test("a stale response with only Last-Modified is validated with If-Modified-Since", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=2"],
					["last-modified", -3000],
					["date", 0],
				],
			},
			{ status: 304, body: null },
		]);
		const first = await edge.send();
		edge.pass(3);
		await edge.send();
		expect(edge.seenRequest(2).headers.get("if-modified-since")).toBe(
			first.headers.get("last-modified"),
		);
	});

	test("a 304 carrying a different strong ETag does not freshen: the edge asks again", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=2"],
					["etag", '"old"'],
				],
				body: "old",
			},
			{ status: 304, fields: [["etag", '"new"']], body: null },
			{
				fields: [
					["cache-control", "max-age=2"],
					["etag", '"new"'],
				],
				body: "new",
			},
		]);
		await edge.send();
		edge.pass(3);
		const second = await edge.send();
		expect(second.text).toBe("new");
		expect(edge.seenRequest(3).headers.has("if-none-match")).toBe(false);
	});
});

describe("a 304 updates the stored fields (RFC 9111 §3.2, §4.3.4)", () => {
	const fieldsToUpdate: [string, string, string][] = [
		["test-header", "value-A", "value-B"],
		["x-test-header", "value-A", "value-B"],
		["content-foo", "value-A", "value-B"],
		["x-content-foo", "value-A", "value-B"],
		["content-type", "text/plain", "text/plain;charset=utf-8"],
		["content-md5", "rL0Y20zC+Fzt72VPzMSk2A==", "N7UdGUp1E+RbVvZSTy1R8g=="],
		["content-location", "/foo", "/bar"],
		["content-security-policy", "default-src 'self'", "default-src 'self' cdn.example.com"],
		["x-frame-options", "deny", "sameorigin"],
		["x-xss-protection", "1", "1; mode=block"],
		["clear-site-data", "cache", "cookies"],
		["public-key-pins", "value-A", "value-B"],
		["set-cookie", "a=b", "a=c"],
		["set-cookie2", "a=b", "a=c"],
	];
	const validators: [string, ScriptedField][] = [
		["ETag", ["etag", '"v1"']],
		// A fixed date: the 304 must name the same one, not one relative to its own Date.
		["Last-Modified", ["last-modified", A_DAY_BEFORE_START]],
	];

	for (const [validatorName, validator] of validators) {
		test.each(fieldsToUpdate)(
			`${validatorName} 304: %s is updated in the answer and in the store`,
			async (name, before, after) => {
				const answer = (lifetime: number, value: string): ScriptedField[] => [
					["cache-control", `max-age=${lifetime}`],
					["date", 0],
					validator,
					[name, value],
				];
				const edge = scriptedEdge([
					{ fields: answer(1, before), body: "stored" },
					{ status: 304, fields: answer(3600, after), body: null },
				]);
				await edge.send();
				edge.pass(2);
				const revalidated = await edge.send();
				expect(revalidated.headers.get(name)).toBe(after);
				expect(revalidated.text).toBe("stored");
				edge.pass(2);
				const hit = await edge.send();
				expect(hit.headers.get(name)).toBe(after);
				expect(edge.originCalls()).toBe(2);
			},
		);
	}

	test("Expires and Cache-Control from the 304 give the new lifetime", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["etag", '"v1"'],
					["date", 0],
					["expires", 1],
				],
			},
			{
				status: 304,
				fields: [
					["etag", '"v1"'],
					["date", 0],
					["expires", 3600],
				],
				body: null,
			},
		]);
		await edge.send();
		edge.pass(2);
		await edge.send();
		edge.pass(2);
		await edge.send();
		expect(edge.originCalls()).toBe(2);
	});

	test("a field the 304 leaves out keeps its stored value", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=1"],
					["last-modified", A_DAY_BEFORE_START],
					["date", 0],
					["test-header", "kept"],
				],
			},
			{
				status: 304,
				fields: [
					["cache-control", "max-age=3600"],
					["last-modified", A_DAY_BEFORE_START],
					["date", 0],
				],
				body: null,
			},
		]);
		await edge.send();
		edge.pass(2);
		const revalidated = await edge.send();
		expect(revalidated.headers.get("test-header")).toBe("kept");
	});
});

describe("answering a client's conditional request (RFC 9111 §4.3.2)", () => {
	const fresh = (extra: ScriptedField[]): ScriptedField[] => [
		["expires", 100000],
		["cache-control", "max-age=100000"],
		["last-modified", 0],
		["date", 0],
		...extra,
	];

	test.each([
		['"abcdef"', '"abcdef"'],
		['W/"abcdef"', 'W/"abcdef"'],
		['"abcdef"', '"abcdef", "1234", "5678"'],
		['"abcdef"', '"1234", "abcdef", "5678"'],
		['"abcdef"', '"1234", "5678", "abcdef"'],
	])(
		"ETag %s, If-None-Match %s: a 304 from the cache, with the ETag",
		async (etag, ifNoneMatch) => {
			const edge = scriptedEdge([{ fields: fresh([["etag", etag]]) }]);
			await edge.send();
			const answer = await edge.send("/resource", [["if-none-match", ifNoneMatch]]);
			expect(answer.status).toBe(304);
			expect(answer.headers.get("etag")).toBe(etag);
			expect(edge.originCalls()).toBe(1);
		},
	);

	test("If-None-Match takes precedence over If-Modified-Since (RFC 9110 §13.2.2)", async () => {
		const edge = scriptedEdge([{ fields: fresh([["etag", '"abcdef"']]) }]);
		await edge.send();
		const answer = await edge.send("/resource", [
			["if-none-match", '"abcdef"'],
			["if-modified-since", edge.dateIn(-3600)],
		]);
		expect(answer.status).toBe(304);
	});

	test("If-Modified-Since at or after Last-Modified: 304", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=100000"],
					["last-modified", -3000],
					["date", 0],
				],
			},
		]);
		await edge.send();
		for (const since of [-3000, -2000]) {
			const answer = await edge.send("/resource", [["if-modified-since", edge.dateIn(since)]]);
			expect(answer.status).toBe(304);
		}
		expect(edge.originCalls()).toBe(1);
	});

	test("without Last-Modified, Date stands in for it (§4.3.2)", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=10000"],
					["date", 0],
				],
			},
		]);
		await edge.send();
		edge.pass(10);
		const notSince = await edge.send("/resource", [["if-modified-since", edge.dateIn(-5)]]);
		expect(notSince.status).toBe(304);
		// A date before the stored Date: it may have changed since (RFC 9110 §13.1.3).
		const since = await edge.send("/resource", [["if-modified-since", edge.dateIn(-3000)]]);
		expect(since.status).toBe(200);
		expect(edge.originCalls()).toBe(1);
	});

	test("a stale response is validated first, then the client's If-Modified-Since is answered", async () => {
		const edge = scriptedEdge([
			{
				fields: [
					["cache-control", "max-age=2"],
					["last-modified", -3000],
					["date", 0],
				],
			},
			{ status: 304, body: null },
		]);
		const first = await edge.send();
		edge.pass(3);
		const lastModified = first.headers.get("last-modified") ?? "";
		const answer = await edge.send("/resource", [["if-modified-since", lastModified]]);
		expect(edge.seenRequest(2).headers.get("if-modified-since")).toBe(lastModified);
		expect(answer.status).toBe(304);
	});
});
