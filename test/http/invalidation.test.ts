import { describe, expect, test } from "bun:test";
import { urisToInvalidate } from "../../edge/http/invalidation.ts";

const TARGET = "https://example.com/items/1?x=1";

describe("urisToInvalidate", () => {
	const cases: [string, string, number, Record<string, string>, string[]][] = [
		["RFC 9111 §4.4: POST with 200 invalidates the target", "POST", 200, {}, [TARGET]],
		["RFC 9111 §4.4: a 3xx is a non-error response", "DELETE", 303, {}, [TARGET]],
		["RFC 9111 §4.4: an error response invalidates nothing", "PUT", 500, {}, []],
		["RFC 9111 §4.4: a 4xx invalidates nothing", "PUT", 404, {}, []],
		["RFC 9110 §9.2.1: GET is safe", "GET", 200, { Location: "/a" }, []],
		["RFC 9111 §4.4: methods of unknown safety count as unsafe", "PURGE", 200, {}, [TARGET]],
		["RFC 9110 §9.1: a lower-case method is unknown, hence unsafe", "get", 200, {}, [TARGET]],
		[
			"RFC 9111 §4.4: same-origin Location and Content-Location, resolved",
			"POST",
			201,
			{ Location: "/items/2", "Content-Location": "https://example.com:443/items/2/v" },
			[TARGET, "https://example.com/items/2", "https://example.com/items/2/v"],
		],
		[
			"RFC 9111 §4.4: another host is not invalidated",
			"POST",
			201,
			{ Location: "https://evil.example/items/2" },
			[TARGET],
		],
		[
			"RFC 9110 §4.3.1: another scheme is another origin",
			"POST",
			201,
			{ Location: "http://example.com/items/2" },
			[TARGET],
		],
		[
			"RFC 9110 §4.3.1: another port is another origin",
			"POST",
			201,
			{ Location: "https://example.com:8443/items/2" },
			[TARGET],
		],
		[
			"RFC 9111 §4.4: duplicates are listed once, fragments dropped",
			"POST",
			200,
			{ Location: "/items/1?x=1#top" },
			[TARGET],
		],
		[
			"RFC 9111 §4.4: an unparseable Location is skipped",
			"POST",
			200,
			{ Location: "http://[bad" },
			[TARGET],
		],
	];
	for (const [title, method, status, fields, expected] of cases) {
		test(title, () => {
			expect(
				urisToInvalidate({
					method,
					status,
					targetUri: TARGET,
					responseHeaders: new Headers(fields),
				}),
			).toEqual(expected);
		});
	}

	test("RFC 9110 §7.1: an unparseable target invalidates nothing", () => {
		expect(
			urisToInvalidate({
				method: "POST",
				status: 200,
				targetUri: "not a url",
				responseHeaders: new Headers(),
			}),
		).toEqual([]);
	});
});
