import { describe, expect, test } from "bun:test";
import { FlagError, parseNodeFlags } from "../../cluster/node/flags.ts";
import type { PopConfig } from "../../cluster/node/pop-config.ts";

describe("node.ts flags", () => {
	test("defaults", () => {
		expect(parseNodeFlags([])).toEqual({
			host: "127.0.0.1",
			port: 8080,
			memoryMb: 256,
			largeMb: 256,
			slab: "auto",
			takeover: false,
			origin: undefined,
			hosts: undefined,
			routes: undefined,
			demo: false,
			routingPinnedBy: undefined,
			tls: undefined,
			http2: false,
			http3: false,
			drainMs: 15_000,
			originTimeoutMs: 15_000,
			lock: { writerTimeoutMs: 20_000, readerWaitMs: 35_000 },
			staleIfUnreachableSeconds: 3600,
			accessLog: undefined,
			pop: "local",
			version: false,
			cluster: undefined,
			singleNode: undefined,
			logLevel: "info",
		});
		expect(parseNodeFlags(["--log-level", "debug"]).logLevel).toBe("debug");
	});

	test("origin and coalescing timeouts; the drain follows the origin timeout unless given", () => {
		const flags = parseNodeFlags([
			"--origin-timeout-ms",
			"2500",
			"--lock-writer-ms=3000",
			"--lock-wait-ms",
			"4000",
		]);
		expect(flags.originTimeoutMs).toBe(2500);
		expect(flags.lock).toEqual({ writerTimeoutMs: 3000, readerWaitMs: 4000 });
		expect(flags.drainMs).toBe(2500);
		expect(parseNodeFlags(["--stale-if-unreachable-s", "0"]).staleIfUnreachableSeconds).toBe(0);
		expect(parseNodeFlags(["--origin-timeout-ms", "2500", "--drain-ms", "0"]).drainMs).toBe(0);
	});

	test("the lock's defaults follow the origin timeout: the writer's 5 s past it, the wait as much again", () => {
		expect(parseNodeFlags(["--origin-timeout-ms", "60000"]).lock).toEqual({
			writerTimeoutMs: 65_000,
			readerWaitMs: 125_000,
		});
		// A given writer timeout moves the derived wait with it.
		expect(parseNodeFlags(["--lock-writer-ms", "3000"]).lock).toEqual({
			writerTimeoutMs: 3_000,
			readerWaitMs: 18_000,
		});
		// Near the idle limit the derived wait is cut so that wait + origin fit 250 s.
		expect(parseNodeFlags(["--origin-timeout-ms", "200000"]).lock).toEqual({
			writerTimeoutMs: 205_000,
			readerWaitMs: 50_000,
		});
		expect(parseNodeFlags(["--origin-timeout-ms", "250000"]).lock.readerWaitMs).toBe(0);
	});

	test("a lock wait that with the origin timeout outlasts the client's idle limit is refused", () => {
		expect(parseNodeFlags(["--lock-wait-ms", "235000"]).lock.readerWaitMs).toBe(235_000);
		expect(() => parseNodeFlags(["--lock-wait-ms", "235001"])).toThrow(
			"--lock-wait-ms 235001 with --origin-timeout-ms 15000: a request may wait on the lock and then on the origin, and the two must add up to at most 250000",
		);
		expect(() =>
			parseNodeFlags(["--origin-timeout-ms", "200000", "--lock-wait-ms", "60000"]),
		).toThrow(FlagError);
	});

	test("a flag given twice is refused, naming it, whichever the values", () => {
		expect(() => parseNodeFlags(["--port", "8080", "--port", "9090"])).toThrow(
			"--port given more than once",
		);
		expect(() => parseNodeFlags(["--port=8080", "--port", "8080"])).toThrow(FlagError);
		expect(() => parseNodeFlags(["--http2", "--http2"])).toThrow("--http2 given more than once");
	});

	test("explicit values", () => {
		expect(
			parseNodeFlags([
				...["--port", "0", "--memory-mb", "64", "--large-mb", "0", "--slab", "ts"],
				...["--host", "::1"],
			]),
		).toMatchObject({
			host: "::1",
			port: 0,
			memoryMb: 64,
			largeMb: 0,
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
		// The `=` form is the same flag: it wins over the environment too.
		expect(
			parseNodeFlags(["--origin=http://a.test"], { NEURO_ORIGIN: "http://b.test" }).origin,
		).toBe("http://a.test");
		expect(parseNodeFlags(["--hosts=h.yaml"], { NEURO_ORIGIN: "http://b.test" })).toMatchObject({
			hosts: "h.yaml",
			origin: undefined,
		});
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
		[["--large-mb=-1"], /--large-mb: must be a whole number of MiB \(0: off\)/],
		[["--large-mb", "0x10"], /--large-mb: must be a whole number of MiB/],
		[["--large-mb", "65537"], /--large-mb: must be at most 65536/],
		// A store whose largest object (a quarter) is at most the slab's 1 MiB gate caches nothing.
		[["--large-mb", "1"], /--large-mb: must be 0 \(off\) or at least 5 MiB/],
		[["--large-mb", "4"], /--large-mb: must be 0 \(off\) or at least 5 MiB/],
		[["--slab", "zig"], /--slab: must be "auto", "ffi" or "ts"/],
		[["--host", ""], /--host: must not be empty/],
		[["--bogus"], /Unknown option '--bogus'/],
		[["extra"], /positional/i],
		[["--port"], /argument missing/i],
		[["--drain-ms=-1"], /--drain-ms: must be a whole number of milliseconds/],
		[["--drain-ms", "soon"], /--drain-ms: must be a whole number of milliseconds/],
		[["--drain-ms", "1.5"], /--drain-ms: must be a whole number of milliseconds/],
		[["--drain-ms", "600001"], /--drain-ms: must be at most 600000/],
		[["--drain-ms", ""], /--drain-ms: must be a whole number of milliseconds/],
		[["--origin-timeout-ms", "0"], /--origin-timeout-ms: must be at least 1 ms/],
		[["--origin-timeout-ms", "1s"], /--origin-timeout-ms: must be a whole number of milliseconds/],
		[["--origin-timeout-ms", "600001"], /--origin-timeout-ms: must be at most 600000/],
		[["--origin-timeout-ms", "250001"], /--origin-timeout-ms: must be at most 250000/],
		[["--lock-writer-ms=-5"], /--lock-writer-ms: must be a whole number of milliseconds/],
		[["--lock-wait-ms", "0"], /--lock-wait-ms: must be at least 1 ms/],
		[
			["--stale-if-unreachable-s", "1h"],
			/--stale-if-unreachable-s: must be a whole number of seconds/,
		],
		[["--stale-if-unreachable-s", "604801"], /--stale-if-unreachable-s: must be at most 604800/],
		[["--access-log", ""], /--access-log: must be a file path or -/],
		[["--log-level", "loud"], /--log-level: must be one of trace, debug, info, warn, error/],
		[["--tls-cert", "c.pem"], /--tls-cert and --tls-key go together/],
		[["--tls-key", "k.pem"], /--tls-cert and --tls-key go together/],
		[["--tls-cert", "", "--tls-key", "k.pem"], /--tls-cert: must be a file path/],
		[["--http3"], /--http3 needs --tls-cert and --tls-key/],
		[["--http2", "--http3"], /--http2 and --http3 need --tls-cert/],
		[["--http3=yes"], /does not take an argument/],
		[["--demo", "--origin", "http://a.test"], /--origin and --demo exclude each other/],
		[["--demo", "--hosts", "h.yaml"], /--hosts and --demo exclude each other/],
		[["--version=1"], /does not take an argument/],
	];
	for (const [argv, message] of bad) {
		test(`refuses ${argv.join(" ")}`, () => {
			expect(() => parseNodeFlags(argv)).toThrow(FlagError);
			expect(() => parseNodeFlags(argv)).toThrow(message);
		});
	}

	test.each([['bad "pop"\nx'], ["Fra1"], ["a"], ["fra1 canary"], ["x".repeat(33)]])(
		"refuses NEURO_POP=%j, naming the variable",
		(pop) => {
			expect(() => parseNodeFlags([], { NEURO_POP: pop })).toThrow(FlagError);
			expect(() => parseNodeFlags([], { NEURO_POP: pop })).toThrow(/^NEURO_POP: must be 2-32 /);
		},
	);

	test("NEURO_TAKEOVER: 1 replaces the process on the port; 0 or empty do not; else refused", () => {
		expect(parseNodeFlags([], { NEURO_TAKEOVER: "1" }).takeover).toBe(true);
		expect(parseNodeFlags([], { NEURO_TAKEOVER: "0" }).takeover).toBe(false);
		expect(parseNodeFlags([], { NEURO_TAKEOVER: "" }).takeover).toBe(false);
		for (const value of ["yes", "true", "2", " 1"])
			expect(() => parseNodeFlags([], { NEURO_TAKEOVER: value })).toThrow(
				/^NEURO_TAKEOVER: must be 1 or 0/,
			);
	});

	test("an empty NEURO_POP is unset", () => {
		expect(parseNodeFlags([], { NEURO_POP: "" }).pop).toBe("local");
	});

	test("TLS, HTTP/2, HTTP/3, drain and --version", () => {
		expect(
			parseNodeFlags([
				"--tls-cert",
				"c.pem",
				"--tls-key",
				"k.pem",
				"--http2",
				"--http3",
				"--drain-ms",
				"0",
				"--version",
			]),
		).toMatchObject({
			tls: { certPath: "c.pem", keyPath: "k.pem" },
			http2: true,
			http3: true,
			drainMs: 0,
			version: true,
		});
	});
});

describe("node.ts flags over a baked POP config", () => {
	const pop: PopConfig = {
		name: "fra1",
		region: "eu-central",
		listen: { host: "127.0.0.2", port: 8101 },
		origin: "http://127.0.0.1:9101",
		tiers: { memoryMb: 64 },
	};
	const routed: PopConfig = {
		...pop,
		origin: undefined,
		routes: { hosts: { "a.test": { origin: "http://127.0.0.1:9102" } } },
	};

	test("the POP config fills what flags and env leave unset", () => {
		expect(parseNodeFlags([], {}, pop)).toMatchObject({
			host: "127.0.0.2",
			port: 8101,
			memoryMb: 64,
			origin: "http://127.0.0.1:9101",
			routes: undefined,
			pop: "fra1",
		});
		expect(parseNodeFlags([], {}, routed)).toMatchObject({
			origin: undefined,
			routes: { hosts: { "a.test": { origin: "http://127.0.0.1:9102" } } },
		});
	});

	test("flags win over env, env over the POP config", () => {
		const flags = parseNodeFlags(
			["--host", "127.0.0.3", "--port", "0", "--memory-mb", "8", "--origin", "http://f.test"],
			{ NEURO_ORIGIN: "http://e.test", NEURO_POP: "fra1-canary" },
			pop,
		);
		expect(flags).toMatchObject({
			host: "127.0.0.3",
			port: 0,
			memoryMb: 8,
			origin: "http://f.test",
			pop: "fra1-canary",
		});
		expect(parseNodeFlags([], { NEURO_ORIGIN: "http://e.test" }, routed)).toMatchObject({
			origin: "http://e.test",
			routes: undefined,
		});
	});

	test("the large objects' budget: the flag, else the POP config's, else the default", () => {
		const withLarge: PopConfig = { ...pop, tiers: { memoryMb: 64, largeMb: 0 } };
		expect(parseNodeFlags([], {}, withLarge).largeMb).toBe(0);
		expect(parseNodeFlags(["--large-mb", "32"], {}, withLarge).largeMb).toBe(32);
		expect(parseNodeFlags([], {}, pop).largeMb).toBe(256);
	});

	test("--demo and --hosts set the baked routes aside", () => {
		expect(parseNodeFlags(["--demo"], { NEURO_ORIGIN: "http://e.test" }, pop)).toMatchObject({
			demo: true,
			origin: undefined,
			routes: undefined,
		});
		expect(parseNodeFlags(["--hosts", "h.yaml"], {}, routed)).toMatchObject({
			hosts: "h.yaml",
			origin: undefined,
			routes: undefined,
		});
	});

	test("routing chosen by a flag or NEURO_ORIGIN is pinned; baked routing and the demo default are not", () => {
		const pin = (argv: string[], env: Record<string, string> = {}) =>
			parseNodeFlags(argv, env, pop).routingPinnedBy;
		expect(pin([])).toBeUndefined();
		expect(parseNodeFlags([]).routingPinnedBy).toBeUndefined();
		expect(pin(["--origin", "http://f.test"])).toBe("--origin");
		expect(pin(["--origin=http://f.test"])).toBe("--origin");
		expect(pin([], { NEURO_ORIGIN: "http://e.test" })).toBe("NEURO_ORIGIN");
		expect(pin(["--origin", "http://f.test"], { NEURO_ORIGIN: "http://e.test" })).toBe("--origin");
		expect(pin(["--hosts", "h.yaml"], { NEURO_ORIGIN: "http://e.test" })).toBe("--hosts");
		expect(pin(["--demo"])).toBe("--demo");
	});

	test("--data runs a single-node cluster (API on 2380 unless --api-port); not with --config", () => {
		expect(parseNodeFlags(["--data", "data"]).singleNode).toEqual({
			dataDir: "data",
			apiPort: 2380,
		});
		expect(parseNodeFlags(["--data", "d", "--api-port", "0"]).singleNode).toEqual({
			dataDir: "d",
			apiPort: 0,
		});
		expect(() => parseNodeFlags(["--api-port", "1"])).toThrow("--api-port goes with --data");
		expect(() => parseNodeFlags(["--data", "d", "--id", "1", "--config", "n.yaml"])).toThrow(
			"--data runs a single-node cluster",
		);
	});
});
