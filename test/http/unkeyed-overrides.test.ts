import { describe, expect, test } from "bun:test";
import {
	replaceUnkeyedOverrides,
	UNKEYED_OVERRIDE_FIELDS,
} from "../../edge/http/unkeyed-overrides.ts";

describe("replaceUnkeyedOverrides", () => {
	test("drops the fields that override host, scheme, path or method", () => {
		for (const name of [
			"x-forwarded-host",
			"x-forwarded-server",
			"x-forwarded-scheme",
			"x-original-url",
			"x-rewrite-url",
			"x-http-method-override",
			"x-http-method",
			"x-method-override",
			"forwarded",
		])
			expect(UNKEYED_OVERRIDE_FIELDS).toContain(name);
		const headers = new Headers(UNKEYED_OVERRIDE_FIELDS.map((name) => [name, "x"]));
		replaceUnkeyedOverrides(headers, "https");
		expect([...headers]).toEqual([["x-forwarded-proto", "https"]]);
	});

	test("sets X-Forwarded-Proto to the keyed scheme, over the client's", () => {
		const headers = new Headers({ "X-Forwarded-Proto": "https" });
		replaceUnkeyedOverrides(headers, "http");
		expect(headers.get("x-forwarded-proto")).toBe("http");
	});

	test("keeps everything else, X-Forwarded-For included", () => {
		const headers = new Headers({ "x-forwarded-for": "192.0.2.7", accept: "text/html" });
		replaceUnkeyedOverrides(headers, "http");
		expect(headers.get("x-forwarded-for")).toBe("192.0.2.7");
		expect(headers.get("accept")).toBe("text/html");
	});
});
