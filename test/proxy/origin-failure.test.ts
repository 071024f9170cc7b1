import { describe, expect, test } from "bun:test";
import { failureDetail, failureKind } from "../../edge/proxy/origin-failure.ts";

/** An error shaped as Bun's fetch throws them: a TypeError with a code. */
function bunError(code: string, message: string): Error {
	return Object.assign(new TypeError(message), { code });
}

describe("what kind of origin failure a fetch error is", () => {
	test("answers Bun cannot parse as HTTP are invalid responses", () => {
		for (const code of [
			"InvalidContentLength",
			"InvalidHTTPResponse",
			"Malformed_HTTP_Response",
			"UnsupportedTransferEncoding",
		])
			expect(failureKind(bunError(code, `${code} fetching "http://10.0.0.5/x"`))).toBe(
				"invalid-response",
			);
	});

	test("no connection, a reset or an unknown name is unreachable", () => {
		expect(failureKind(bunError("ECONNREFUSED", "ECONNREFUSED: Unable to connect"))).toBe(
			"unreachable",
		);
		expect(failureKind(bunError("ECONNRESET", "ECONNRESET: closed"))).toBe("unreachable");
		expect(failureKind(bunError("ENOTFOUND", "getaddrinfo ENOTFOUND origin.invalid"))).toBe(
			"unreachable",
		);
		expect(failureKind(new TypeError("connection refused"))).toBe("unreachable");
		expect(failureKind(undefined)).toBe("unreachable");
	});

	test("a fetch's own deadline is a timeout", () => {
		expect(failureKind(new DOMException("deadline", "TimeoutError"))).toBe("timeout");
		expect(failureKind(new DOMException("aborted", "AbortError"))).toBe("timeout");
	});
});

describe("the detail a failure is logged with", () => {
	test("is the message on one line, without Bun's advice to pass `verbose: true`", () => {
		const message =
			'InvalidContentLength fetching "http://10.0.0.5:8080/x". For more information, pass `verbose: true` in the second argument to fetch()';
		expect(failureDetail(bunError("InvalidContentLength", message))).toBe(
			'InvalidContentLength fetching "http://10.0.0.5:8080/x"',
		);
		expect(failureDetail(new Error("two\nlines"))).toBe("two lines");
		expect(failureDetail("a string")).toBe("a string");
	});
});
