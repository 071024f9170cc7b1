import { describe, expect, test } from "bun:test";
import { formatHostPort, parseHostPort } from "../../edge/http/host-port.ts";

describe("host:port", () => {
	test.each([
		["127.0.0.1", 80, "127.0.0.1:80"],
		["node-a.example", 2381, "node-a.example:2381"],
		["::1", 8080, "[::1]:8080"],
		["fd00::2", 2380, "[fd00::2]:2380"],
		["[::1]", 8080, "[::1]:8080"],
	])("%s and %p are written %s, and read back", (host, port, text) => {
		expect(formatHostPort(host, port)).toBe(text);
		expect(parseHostPort(text)).toEqual({ host: host.replace(/^\[(.*)\]$/, "$1"), port });
	});

	test.each(["::1:8080", "[host]:1", "a b:1", "a:", ":1", "a:123456", "[::1]"])(
		"%s is not host:port",
		(text) => {
			expect(parseHostPort(text)).toBeUndefined();
		},
	);
});
