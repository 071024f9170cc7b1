/**
 * Invalidation after unsafe methods, end to end (RFC 9111 §4.4): a non-error response to an
 * unsafe request drops the stored responses for its target URI, and for same-origin Location
 * and Content-Location.
 */
import { describe, expect, test } from "bun:test";
import { type Scripted, type ScriptedField, scriptedEdge } from "./scripted-edge.ts";

const fresh: ScriptedField[] = [
	["expires", 100000],
	["cache-control", "max-age=100000"],
	["last-modified", 0],
	["date", 0],
];

describe("unsafe methods invalidate (RFC 9111 §4.4)", () => {
	const methods = ["POST", "PUT", "DELETE", "PATCH", "M-SEARCH"];

	test.each(methods)("a successful %s drops the stored target", async (method) => {
		const edge = scriptedEdge([{ fields: fresh }, { body: "done" }, { fields: fresh }]);
		await edge.send("/resource");
		await edge.send("/resource", [], method);
		expect(edge.seenRequest(2).method).toBe(method);
		await edge.send("/resource");
		expect(edge.originCalls()).toBe(3);
	});

	test.each(methods)("a failed %s leaves it in place", async (method) => {
		const edge = scriptedEdge([{ fields: fresh }, { status: 500 }]);
		await edge.send("/resource");
		await edge.send("/resource", [], method);
		await edge.send("/resource");
		expect(edge.originCalls()).toBe(2);
	});

	test.each([
		["Location", "location"],
		["Content-Location", "content-location"],
	])("a successful POST drops what its %s names, relative or absolute", async (_name, field) => {
		for (const target of ["/other", "http://cdn.test/other"]) {
			const script: Scripted[] = [
				{ fields: fresh },
				{ status: 201, fields: [[field, target]] },
				{ fields: fresh },
			];
			const edge = scriptedEdge(script);
			await edge.send("/other");
			await edge.send("/resource", [], "POST");
			await edge.send("/other");
			expect(edge.originCalls()).toBe(3);
		}
	});

	test("a Location on another origin is left alone", async () => {
		const edge = scriptedEdge([
			{ fields: fresh },
			{ status: 201, fields: [["location", "http://elsewhere.test/other"]] },
		]);
		await edge.send("/other");
		await edge.send("/resource", [], "POST");
		await edge.send("/other");
		expect(edge.originCalls()).toBe(2);
	});
});
