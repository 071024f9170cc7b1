import { describe, expect, test } from "bun:test";
import { FlagError, parseNodeFlags } from "../../cluster/node/flags.ts";

describe("node.ts flags", () => {
	test("defaults", () => {
		expect(parseNodeFlags([])).toEqual({
			host: "127.0.0.1",
			port: 8080,
			memoryMb: 256,
			slab: "auto",
			origin: undefined,
			hosts: undefined,
		});
	});

	test("explicit values", () => {
		expect(
			parseNodeFlags(["--port", "0", "--memory-mb", "64", "--slab", "ts", "--host", "::1"]),
		).toEqual({
			host: "::1",
			port: 0,
			memoryMb: 64,
			slab: "ts",
			origin: undefined,
			hosts: undefined,
		});
	});

	test("the origin comes from --origin, else NEURO_ORIGIN; --hosts excludes both", () => {
		expect(parseNodeFlags(["--origin", "http://127.0.0.1:9000"]).origin).toBe(
			"http://127.0.0.1:9000",
		);
		expect(parseNodeFlags([], { NEURO_ORIGIN: "https://o.test" }).origin).toBe("https://o.test");
		expect(
			parseNodeFlags(["--origin", "http://a.test"], { NEURO_ORIGIN: "http://b.test" }).origin,
		).toBe("http://a.test");
		expect(parseNodeFlags(["--hosts", "h.yaml"], { NEURO_ORIGIN: "http://b.test" })).toMatchObject({
			hosts: "h.yaml",
			origin: undefined,
		});
		expect(() => parseNodeFlags(["--origin", "http://a.test", "--hosts", "h.yaml"])).toThrow(
			"exclude each other",
		);
		expect(() => parseNodeFlags(["--origin", "ftp://a.test"])).toThrow(
			"--origin: must be an absolute http(s) URL",
		);
		expect(() => parseNodeFlags([], { NEURO_ORIGIN: "not a url" })).toThrow(
			"--origin: must be an absolute http(s) URL",
		);
	});

	const bad: [string[], RegExp][] = [
		[["--port", "http"], /--port: must be a port number/],
		[["--port", "70000"], /--port: must be 0-65535/],
		[["--memory-mb", "0"], /--memory-mb: must be at least 1 MiB/],
		[["--memory-mb", "1.5"], /--memory-mb: must be a whole number/],
		[["--memory-mb", "99999999"], /--memory-mb: must be at most 65536/],
		[["--slab", "zig"], /--slab: must be "auto", "ffi" or "ts"/],
		[["--host", ""], /--host: must not be empty/],
		[["--bogus"], /Unknown option '--bogus'/],
		[["extra"], /positional/i],
		[["--port"], /argument missing/i],
	];
	for (const [argv, message] of bad) {
		test(`refuses ${argv.join(" ")}`, () => {
			expect(() => parseNodeFlags(argv)).toThrow(FlagError);
			expect(() => parseNodeFlags(argv)).toThrow(message);
		});
	}
});
