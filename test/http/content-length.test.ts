import { describe, expect, test } from "bun:test";
import { contentLength } from "../../edge/http/content-length.ts";

function lengthOf(...values: string[]): number | undefined {
	const headers = new Headers();
	for (const value of values) headers.append("content-length", value);
	return contentLength(headers);
}

describe("Content-Length (RFC 9110 §8.6)", () => {
	test("a whole number of bytes is read, up to fifteen digits", () => {
		expect(lengthOf("0")).toBe(0);
		expect(lengthOf("1024")).toBe(1024);
		expect(lengthOf("007")).toBe(7);
		expect(lengthOf("999999999999999")).toBe(999_999_999_999_999);
	});

	test("absent, signed, fractional, hexadecimal or over-long values count as absent", () => {
		expect(contentLength(new Headers())).toBeUndefined();
		for (const bad of ["", "-1", "+1", "1.5", "0x10", "1e3", "12 34", "abc", "9999999999999999"])
			expect(lengthOf(bad)).toBeUndefined();
	});

	test("repeated lengths, even equal ones, are not one length", () => {
		expect(lengthOf("5", "5")).toBeUndefined();
		expect(lengthOf("5", "6")).toBeUndefined();
	});
});
