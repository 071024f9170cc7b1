import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { CasBody, PutBody } from "../../cluster/kv/http-api.ts";
import { readJsonBody } from "../../cluster/kv/json-body.ts";

const body = (text: string) => new Request("http://api.test/", { method: "POST", body: text });
const PUT = { shape: '{"value": "..."}' };

describe("readJsonBody: the refusal says what is wrong", () => {
	test("a body that is no JSON is refused with the shape the route takes", async () => {
		for (const text of ["hello", "", "{", '{"value": "a"'])
			expect(await readJsonBody(body(text), PutBody, PUT)).toEqual({
				ok: false,
				message: 'body must be JSON: {"value": "..."}',
			});
	});

	test("a field of the wrong type or length is named", async () => {
		expect(await readJsonBody(body('{"expected": 5, "value": "b"}'), CasBody, PUT)).toEqual({
			ok: false,
			message: "expected: Invalid type: Expected string but received 5",
		});
		const long = JSON.stringify({ value: "v".repeat((1 << 20) + 1) });
		expect(await readJsonBody(body(long), PutBody, PUT)).toEqual({
			ok: false,
			message: "value: value must be at most 1048576 characters",
		});
	});

	test("JSON of the wrong shape at the top level is refused with the shape", async () => {
		for (const text of [`"text"`, "null", "5"]) {
			const answer = await readJsonBody(body(text), PutBody, PUT);
			expect(answer.ok).toBe(false);
			if (!answer.ok) expect(answer.message).toEndWith('; body must be {"value": "..."}');
		}
	});

	test("a missing or unknown field is named", async () => {
		const missing = await readJsonBody(body("{}"), PutBody, PUT);
		expect(missing).toEqual({ ok: false, message: expect.stringMatching(/^value: /) });
		const extra = await readJsonBody(body('{"value": "a", "vaule": "b"}'), PutBody, PUT);
		expect(extra).toEqual({ ok: false, message: expect.stringMatching(/^vaule: /) });
	});

	test("a good body is its parsed value; an empty one stands for {} only where allowed", async () => {
		expect(await readJsonBody(body('{"value": "a"}'), PutBody, PUT)).toEqual({
			ok: true,
			value: { value: "a" },
		});
		const Optional = v.strictObject({ by: v.optional(v.number(), 1) });
		const shape = { shape: '{"by": N} or empty', emptyIsObject: true };
		expect(await readJsonBody(body(" "), Optional, shape)).toEqual({ ok: true, value: { by: 1 } });
		expect(await readJsonBody(body(""), Optional, { shape: "{}" })).toEqual({
			ok: false,
			message: "body must be JSON: {}",
		});
	});
});
