import { describe, expect, test } from "bun:test";
import {
	parseRequestCacheControl,
	parseResponseCacheControl,
} from "../../edge/http/cache-control.ts";
import {
	fieldsWithheldFromStorage,
	type StorableResult,
	storability,
} from "../../edge/http/storable.ts";
import { effectiveResponseDirectives } from "../../edge/http/targeted.ts";

interface Case {
	readonly method?: string;
	readonly status?: number;
	readonly request?: Record<string, string>;
	readonly response?: Record<string, string>;
}

function check({
	method = "GET",
	status = 200,
	request = {},
	response = {},
}: Case): StorableResult {
	const requestHeaders = new Headers(request);
	const responseHeaders = new Headers(response);
	return storability({
		method,
		status,
		requestHeaders,
		request: parseRequestCacheControl(requestHeaders.get("Cache-Control")),
		responseHeaders,
		effective: effectiveResponseDirectives(responseHeaders),
	});
}

describe("storability", () => {
	const cases: [string, Case, StorableResult][] = [
		[
			"RFC 9111 §3: a plain 200 to GET is storable (heuristically cacheable)",
			{},
			{ storable: true },
		],
		["RFC 9111 §3: HEAD is understood", { method: "HEAD" }, { storable: true }],
		[
			"RFC 9111 §3: POST is not stored",
			{ method: "POST", response: { "Cache-Control": "max-age=60" } },
			{ storable: false, reason: "method" },
		],
		[
			"RFC 9110 §9.1: methods are case-sensitive",
			{ method: "get" },
			{ storable: false, reason: "method" },
		],
		[
			"RFC 9111 §3: an interim 1xx is not final",
			{ status: 103 },
			{ storable: false, reason: "status" },
		],
		["RFC 9111 §3: a nonsense status", { status: 999 }, { storable: false, reason: "status" }],
		[
			"RFC 9111 §3.3: a 206 without a Content-Range is not stored",
			{ status: 206, response: { "Cache-Control": "max-age=60" } },
			{ storable: false, reason: "partial-content" },
		],
		[
			"RFC 9111 §3.3: a single-part 206 is stored (as a part)",
			{
				status: 206,
				response: { "Cache-Control": "max-age=60", "Content-Range": "bytes 0-9/100" },
			},
			{ storable: true, part: { first: 0, last: 9, complete: 100 } },
		],
		[
			"RFC 9111 §3.3: a multipart/byteranges 206 is not stored",
			{
				status: 206,
				response: {
					"Cache-Control": "max-age=60",
					"Content-Type": "multipart/byteranges; boundary=x",
				},
			},
			{ storable: false, reason: "partial-content" },
		],
		[
			"RFC 9111 §3.3: a 206 is still subject to no-store",
			{
				status: 206,
				response: { "Cache-Control": "no-store", "Content-Range": "bytes 0-9/100" },
			},
			{ storable: false, reason: "no-store" },
		],
		[
			"RFC 9111 §4.3.4: 304 updates, is not stored",
			{ status: 304 },
			{ storable: false, reason: "not-modified" },
		],
		[
			"RFC 9110 §15.5.17: a 416 answers the request's Range, not the URL: not stored",
			{
				status: 416,
				response: { "Cache-Control": "max-age=60", "Content-Range": "bytes */100" },
			},
			{ storable: false, reason: "request-specific" },
		],
		[
			"RFC 9110 §15.5.13: a 412 answers the request's preconditions: not stored",
			{ status: 412, response: { "Cache-Control": "max-age=60" } },
			{ storable: false, reason: "request-specific" },
		],
		[
			"RFC 9111 §5.2.2.5: no-store",
			{ response: { "Cache-Control": "no-store, max-age=60" } },
			{ storable: false, reason: "no-store" },
		],
		[
			"RFC 9111 §5.2.1.5: request no-store",
			{ request: { "Cache-Control": "no-store" } },
			{ storable: false, reason: "request-no-store" },
		],
		[
			"RFC 9111 §5.2.2.3: must-understand with an understood status ignores no-store",
			{ response: { "Cache-Control": "must-understand, no-store, max-age=5" } },
			{ storable: true },
		],
		[
			"RFC 9111 §5.2.2.3: must-understand with a status not understood",
			{ status: 418, response: { "Cache-Control": "must-understand, no-store, max-age=5" } },
			{ storable: false, reason: "must-understand" },
		],
		[
			"RFC 9111 §5.2.2.7: unqualified private",
			{ response: { "Cache-Control": "private, max-age=60" } },
			{ storable: false, reason: "private" },
		],
		[
			"RFC 9111 §5.2.2.7: qualified private stores the rest",
			{ response: { "Cache-Control": 'private="set-cookie", max-age=60' } },
			{ storable: true },
		],
		[
			"RFC 9111 §3.5: Authorization without permission",
			{ request: { Authorization: "Bearer x" }, response: { "Cache-Control": "max-age=60" } },
			{ storable: false, reason: "authorization" },
		],
		[
			"RFC 9111 §3.5: Authorization with public",
			{ request: { Authorization: "Bearer x" }, response: { "Cache-Control": "public" } },
			{ storable: true },
		],
		[
			"RFC 9111 §3.5: Authorization with s-maxage",
			{ request: { Authorization: "Bearer x" }, response: { "Cache-Control": "s-maxage=5" } },
			{ storable: true },
		],
		[
			"RFC 9111 §3.5: Authorization with must-revalidate",
			{
				request: { Authorization: "Bearer x" },
				response: { "Cache-Control": "must-revalidate, max-age=0" },
			},
			{ storable: true },
		],
		[
			"RFC 9111 §3: a 302 without freshness is not stored",
			{ status: 302 },
			{ storable: false, reason: "no-freshness" },
		],
		[
			"RFC 9111 §3: a 302 with max-age is stored",
			{ status: 302, response: { "Cache-Control": "max-age=60" } },
			{ storable: true },
		],
		[
			"RFC 9111 §3: a 500 with Expires is stored",
			{ status: 500, response: { Expires: "0" } },
			{ storable: true },
		],
		[
			"RFC 9111 §3: public makes a 302 storable",
			{ status: 302, response: { "Cache-Control": "public" } },
			{ storable: true },
		],
		["RFC 9110 §15.1: 404 is heuristically cacheable", { status: 404 }, { storable: true }],
		[
			"RFC 9111 §7.3: a cookie-setting 200 with no explicit freshness is not stored",
			{
				response: { "Set-Cookie": "sid=USER_A", "Last-Modified": "Sun, 01 Nov 2026 00:00:00 GMT" },
			},
			{ storable: false, reason: "set-cookie" },
		],
		[
			"RFC 9111 §7.3: a cookie-setting 200 with max-age is stored, as the origin chose",
			{ response: { "Set-Cookie": "sid=x", "Cache-Control": "max-age=60" } },
			{ storable: true },
		],
		[
			"RFC 9111 §7.3: a cookie-setting 200 with Expires is stored",
			{ response: { "Set-Cookie": "sid=x", Expires: "Sun, 01 Nov 2026 00:00:00 GMT" } },
			{ storable: true },
		],
		[
			"RFC 9111 §7.3: a cookie-setting 200 whose CDN-Cache-Control has max-age is stored",
			{ response: { "Set-Cookie": "sid=x", "CDN-Cache-Control": "max-age=60" } },
			{ storable: true },
		],
		[
			"RFC 9213 §2.2: CDN-Cache-Control overrides Cache-Control: no-store",
			{ response: { "Cache-Control": "no-store", "CDN-Cache-Control": "none" } },
			{ storable: true },
		],
		[
			"RFC 9213 §2.2: CDN-Cache-Control no-store",
			{ response: { "Cache-Control": "max-age=60", "CDN-Cache-Control": "no-store" } },
			{ storable: false, reason: "no-store" },
		],
		[
			"RFC 9213 §2.2: Expires ignored under a targeted field",
			{ status: 302, response: { "CDN-Cache-Control": "none", Expires: "0" } },
			{ storable: false, reason: "no-freshness" },
		],
	];
	for (const [title, input, expected] of cases)
		test(title, () => expect(check(input)).toEqual(expected));
});

describe("fieldsWithheldFromStorage", () => {
	test("RFC 9111 §3.1/§5.2.2.7: qualified private and no-cache fields", () => {
		const directives = parseResponseCacheControl(
			'private="Set-Cookie", no-cache="x-a, set-cookie"',
		);
		expect(fieldsWithheldFromStorage(directives)).toEqual(["set-cookie", "x-a"]);
	});
	test("RFC 9111 §5.2.2.7: unqualified forms withhold no single field", () => {
		expect(fieldsWithheldFromStorage(parseResponseCacheControl("private, no-cache"))).toEqual([]);
	});
});
