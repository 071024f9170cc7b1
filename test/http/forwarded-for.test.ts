import { describe, expect, test } from "bun:test";
import { appendForwardedFor } from "../../edge/http/forwarded-for.ts";

const forwardedFor = (earlier: string | null, address: string | undefined): string | null => {
	const headers = new Headers(earlier === null ? {} : { "x-forwarded-for": earlier });
	appendForwardedFor(headers, address);
	return headers.get("x-forwarded-for");
};

describe("X-Forwarded-For", () => {
	test("starts the list with the client's address", () => {
		expect(forwardedFor(null, "192.0.2.7")).toBe("192.0.2.7");
		expect(forwardedFor("  ", "192.0.2.7")).toBe("192.0.2.7");
	});

	test("appends after what earlier hops (or the client) wrote, never replacing it", () => {
		expect(forwardedFor("203.0.113.9", "192.0.2.7")).toBe("203.0.113.9, 192.0.2.7");
		expect(forwardedFor("spoofed, 198.51.100.1 ", "192.0.2.7")).toBe(
			"spoofed, 198.51.100.1, 192.0.2.7",
		);
	});

	test("IPv6 without brackets or zone, lower-cased; IPv4-mapped IPv6 as the IPv4 it is", () => {
		expect(forwardedFor(null, "2001:DB8::1")).toBe("2001:db8::1");
		expect(forwardedFor(null, "[2001:db8::1]")).toBe("2001:db8::1");
		expect(forwardedFor(null, "fe80::1%eth0")).toBe("fe80::1");
		expect(forwardedFor(null, "::1")).toBe("::1");
		expect(forwardedFor(null, "::ffff:192.0.2.7")).toBe("192.0.2.7");
		expect(forwardedFor(null, "::FFFF:127.0.0.1")).toBe("127.0.0.1");
	});

	test("no address, or one that is not an IP literal: the field is left as it was", () => {
		expect(forwardedFor(null, undefined)).toBeNull();
		expect(forwardedFor("203.0.113.9", undefined)).toBe("203.0.113.9");
		expect(forwardedFor("203.0.113.9", "")).toBe("203.0.113.9");
		expect(forwardedFor(null, "evil.example, 10.0.0.1")).toBeNull();
		expect(forwardedFor(null, "unix:/run/edge.sock")).toBeNull();
	});
});
