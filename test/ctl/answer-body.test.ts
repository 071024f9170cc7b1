/**
 * What neuroctl does with an answer that is not the cluster API's: HTML from a proxy, JSON
 * cut short, a body that never ends. Each is exit 5 with a message saying what came back,
 * and an endless body is cut off at MAX_ANSWER_BYTES instead of filling memory.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { MAX_ANSWER_BYTES, readAnswerBody } from "../../cluster/ctl/answer-body.ts";
import { CtlClient, CtlError, EXIT } from "../../cluster/ctl/client.ts";

const Anything = v.object({ ok: v.boolean() });

function clientAnswering(answer: () => Response): CtlClient {
	return new CtlClient(["http://node.test"], 1_000, { fetch: async () => answer() });
}

/**
 * A body of 1 MiB chunks, one past the limit: to neuroctl as good as endless (bounded here
 * so that a client without the limit fails this test instead of filling memory).
 */
function pastTheLimit(): ReadableStream<Uint8Array> {
	const chunk = new Uint8Array(2 ** 20).fill(0x20);
	let left = MAX_ANSWER_BYTES / chunk.byteLength + 1;
	return new ReadableStream({
		pull: (controller) => {
			if (left-- > 0) controller.enqueue(chunk);
			else controller.close();
		},
	});
}

describe("readAnswerBody", () => {
	test("JSON is parsed", async () => {
		expect(await readAnswerBody(Response.json({ ok: true }))).toEqual({
			kind: "json",
			value: { ok: true },
		});
	});

	test("anything else is described by its type, size and start", async () => {
		const html = new Response("<html>\n oops</html>", { headers: { "content-type": "text/html" } });
		expect(await readAnswerBody(html)).toEqual({
			kind: "not-json",
			what: '19 bytes of text/html, starting "<html> oops</html>"',
		});
		expect(await readAnswerBody(new Response(""))).toMatchObject({
			kind: "not-json",
			what: "an empty body (no content type)",
		});
	});

	test("a body over the limit is cut off", async () => {
		expect(await readAnswerBody(new Response("x".repeat(11)), 10)).toEqual({ kind: "too-big" });
		expect(await readAnswerBody(new Response("x".repeat(10)), 10)).toMatchObject({
			kind: "not-json",
		});
	});
});

describe("neuroctl's client and answers that are not the API's", () => {
	test("HTML is exit 5 naming what came back", async () => {
		const client = clientAnswering(
			() => new Response("<html>oops</html>", { headers: { "content-type": "text/html" } }),
		);
		const error = await client.call("GET", "/v1/status", undefined, Anything).catch((e) => e);
		expect(error).toBeInstanceOf(CtlError);
		expect(error).toMatchObject({ exitCode: EXIT.refused });
		expect((error as Error).message).toBe(
			'http://node.test sent an answer that is not JSON (17 bytes of text/html, starting "<html>oops</html>"): not the cluster API?',
		);
	});

	test("JSON cut short is exit 5 naming it as not JSON", async () => {
		const client = clientAnswering(() => new Response('{"ok": tr'));
		const error = await client.call("GET", "/v1/status", undefined, Anything).catch((e) => e);
		expect(error).toMatchObject({ exitCode: EXIT.refused });
		expect((error as Error).message).toContain("sent an answer that is not JSON (9 bytes of");
	});

	test("a body past the limit is cut off there: exit 5", async () => {
		const client = clientAnswering(() => new Response(pastTheLimit()));
		const error = await client.call("GET", "/v1/status", undefined, Anything).catch((e) => e);
		expect(error).toMatchObject({ exitCode: EXIT.refused });
		expect((error as Error).message).toBe(
			`http://node.test sent an answer over ${MAX_ANSWER_BYTES} bytes: not the cluster API?`,
		);
	}, 10_000);
});
