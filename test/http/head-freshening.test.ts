import { describe, expect, test } from "bun:test";
import { headResponseFreshens } from "../../edge/http/head-freshening.ts";

const stored = new Headers({ etag: '"v1"', "last-modified": "Wed, 01 Jan 2020 00:00:00 GMT" });

describe("headResponseFreshens (RFC 9111 §4.3.5)", () => {
	const rows: [string, Record<string, string>, boolean][] = [
		["no validator and no Content-Length received", {}, true],
		["the same ETag", { etag: '"v1"' }, true],
		[
			"the same ETag and Last-Modified",
			{ etag: '"v1"', "last-modified": stored.get("last-modified") ?? "" },
			true,
		],
		["another ETag", { etag: '"v2"' }, false],
		["a weak ETag for a strong one", { etag: 'W/"v1"' }, false],
		["another Last-Modified", { "last-modified": "Thu, 02 Jan 2020 00:00:00 GMT" }, false],
		["the stored body's length", { "content-length": "5" }, true],
		["another length", { "content-length": "6" }, false],
	];
	test.each(rows)("%s", (_title, fields, freshens) => {
		expect(headResponseFreshens(new Headers(fields), stored, 5)).toBe(freshens);
	});

	test("a validator the stored response lacks does not match", () => {
		expect(headResponseFreshens(new Headers({ etag: '"v1"' }), new Headers(), 5)).toBe(false);
	});
});
