import { describe, expect, test } from "bun:test";
import { isValidHostHeader } from "../../edge/http/host-header.ts";

describe("Host header grammar (RFC 9110 §7.2, RFC 3986 §3.2.2)", () => {
	test.each([
		"example.com",
		"EXAMPLE.com:8080",
		"127.0.0.1",
		"127.0.0.1:443",
		"[::1]",
		"[::1]:8080",
		"[2001:db8::7]",
		"xn--bcher-kva.example",
		"a_b.example",
		"host:", // port = *DIGIT may be empty
		"%41.example",
	])("accepts %p", (value) => {
		expect(isValidHostHeader(value)).toBe(true);
	});

	test.each([
		"",
		"a.com/x", // would make the cache key another URL's
		"a.com?x",
		"a.com#x",
		"user@a.com",
		"a b.com",
		"a.com, b.com", // two Host fields joined by the runtime (RFC 9112 §3.2)
		"a.com:99999",
		"a.com:8o",
		"a.com:80:80",
		"[::1",
		"[::1]x",
		"[::1]:x",
		"[zz]",
		"%4.example",
		"a\u00e9.com",
		":80",
	])("refuses %p", (value) => {
		expect(isValidHostHeader(value)).toBe(false);
	});
});
