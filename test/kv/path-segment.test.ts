/**
 * Route parameters are decoded from the raw URL exactly once (cluster/kv/path-segment.ts):
 * a key or name holding an escaped `%` keeps it, a bad escape is a 400 that reaches nothing.
 */
import { describe, expect, test } from "bun:test";
import { createKvApp, type KvMember } from "../../cluster/kv/http-app.ts";
import { pathSegment } from "../../cluster/kv/path-segment.ts";

describe("pathSegment", () => {
	test.each([
		["http://h:1/v1/kv/plain", "plain"],
		["http://h:1/v1/kv/hits%3Aams", "hits:ams"],
		["http://h:1/v1/kv/a%2541", "a%41"],
		["http://h:1/v1/kv/100%25", "100%"],
		["http://h:1/v1/kv/a%2Fb?x=%ZZ#frag", "a/b"],
		["http://h:1/v1/kv/k#%ZZ", "k"],
	])("%s has segment 3 %p", (url, expected) => {
		expect(pathSegment(url, 3, "key")).toEqual({ ok: true, value: expected });
	});

	test("a bad escape is refused, naming the parameter", () => {
		expect(pathSegment("http://h:1/v1/kv/%E0%A4%A", 3, "key")).toEqual({
			ok: false,
			message: "key is not valid percent-encoding",
		});
	});

	test("a path without that segment says it is missing", () => {
		expect(pathSegment("http://h:1/v1", 3, "key")).toEqual({
			ok: false,
			message: "key is missing",
		});
	});
});

describe("KV keys through the API app", () => {
	function standIn() {
		const reads: string[] = [];
		const member = {
			id: 1,
			read: async (key: string) => {
				reads.push(key);
				return { kind: "ok", result: { kind: "get", value: null, revision: 0 } } as const;
			},
		} as unknown as KvMember;
		return { app: createKvApp(member, new Map()), reads };
	}

	test("a key holding an escaped % reaches the member as written, decoded once", async () => {
		const { app, reads } = standIn();
		for (const path of ["/v1/kv/a%2541", "/v1/kv/100%25", "/v1/kv/a%2Fb"]) {
			expect((await app.request(path)).status).toBe(200);
		}
		expect(reads).toEqual(["a%41", "100%", "a/b"]);
	});

	test("a bad escape is a 400 and no read", async () => {
		const { app, reads } = standIn();
		const response = await app.request("/v1/kv/%E0%A4%A");
		expect(response.status).toBe(400);
		expect(await response.json()).toEqual({
			error: "bad-request",
			message: "key is not valid percent-encoding",
		});
		expect(reads).toEqual([]);
	});
});
