/**
 * A HEAD on a stale entry goes to the origin as a HEAD; its 200, when it agrees with the
 * stored response on the validators and Content-Length it carries, updates the stored
 * response's fields as a 304 would (RFC 9111 §4.3.5, §3.2), and the HEAD is answered from
 * the freshened entry. One that disagrees leaves the entry stale.
 */
import { describe, expect, test } from "bun:test";
import { type ScriptedAnswer, scriptedEdge } from "./scripted-edge.ts";

const storedFirst: ScriptedAnswer = {
	fields: [
		["cache-control", "max-age=2"],
		["etag", '"v1"'],
		["template-a", "1"],
	],
	body: "hello",
};

/** Store, let it go stale, send a HEAD the origin answers with `head`, then a GET. */
async function headThenGet(head: ScriptedAnswer) {
	const edge = scriptedEdge([storedFirst, { ...head, body: null }, { fields: [], body: "new" }]);
	await edge.send();
	edge.pass(3);
	const headAnswer = await edge.send("/resource", [], "HEAD");
	const get = await edge.send();
	return { edge, headAnswer, get };
}

describe("a HEAD's 200 freshens the stale entry it matches (RFC 9111 §4.3.5)", () => {
	test("RFC 9111 §4.3.5: it goes to the origin as a HEAD, and stored fields it lacks are kept", async () => {
		const { edge, headAnswer } = await headThenGet({ fields: [["cache-control", "max-age=1000"]] });
		expect(edge.seenRequest(2).method).toBe("HEAD");
		expect(headAnswer.status).toBe(200);
		expect(headAnswer.headers.get("template-a")).toBe("1");
		expect(headAnswer.headers.get("cache-status")).toContain("fwd-status=200");
	});

	test("RFC 9111 §4.3.5: its freshness and fields update the stored response for the GETs after it", async () => {
		const { edge, get } = await headThenGet({
			fields: [
				["cache-control", "max-age=1000"],
				["template-a", "2"],
				["etag", '"v1"'],
			],
		});
		expect(edge.originCalls()).toBe(2);
		expect(get.text).toBe("hello");
		expect(get.headers.get("template-a")).toBe("2");
	});

	test("RFC 9111 §4.3.5: another ETag leaves the stored response stale", async () => {
		const { edge, headAnswer, get } = await headThenGet({
			fields: [
				["cache-control", "max-age=1000"],
				["etag", '"v2"'],
			],
		});
		expect(headAnswer.headers.get("template-a")).toBeNull();
		expect(edge.originCalls()).toBe(3);
		expect(get.text).toBe("new");
	});

	test("RFC 9111 §4.3.5: another Content-Length leaves the stored response stale", async () => {
		const { edge } = await headThenGet({
			fields: [
				["cache-control", "max-age=1000"],
				["content-length", "6"],
			],
		});
		expect(edge.originCalls()).toBe(3);
	});

	test("a HEAD's error status freshens nothing", async () => {
		const { edge } = await headThenGet({
			status: 404,
			fields: [["cache-control", "max-age=1000"]],
		});
		expect(edge.originCalls()).toBe(3);
	});
});
