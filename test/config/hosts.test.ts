import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	loadHostsFile,
	parseHostsYaml as parseHostsConfig,
} from "../../cluster/node/hosts-file.ts";
import { HostsConfigError, routeFor } from "../../edge/config/hosts.ts";
import { resolveTarget } from "../../edge/proxy/request-target.ts";

const good = `
hosts:
  WWW.Example.com:
    origin: https://origin.example.com
  static.example.com:8443:
    origin: http://127.0.0.1:9000/base
    ignoreQueryParams: ["utm_*", fbclid]
    sortQuery: true
default: http://127.0.0.1:9999
`;

describe("hosts config", () => {
	test("parses hosts, lowercases names, and routes by Host", () => {
		const config = parseHostsConfig(good, "hosts.yaml");
		expect(routeFor(config, "www.example.com")?.origin).toBe("https://origin.example.com");
		expect(routeFor(config, "WWW.EXAMPLE.COM:443")?.origin).toBe("https://origin.example.com");
		expect(routeFor(config, "static.example.com:8443")?.ignoreQueryParams).toEqual([
			"utm_*",
			"fbclid",
		]);
		expect(routeFor(config, "other.example.com")?.origin).toBe("http://127.0.0.1:9999");
		expect(routeFor(config, null)?.origin).toBe("http://127.0.0.1:9999");
	});

	test("a Host naming a member of Object's prototype is an unknown host, not a route", () => {
		const config = parseHostsConfig(good, "hosts.yaml");
		for (const host of ["constructor", "__proto__", "hasOwnProperty", "constructor:80"])
			expect(routeFor(config, host)?.origin).toBe("http://127.0.0.1:9999");
		const noDefault = parseHostsConfig("hosts:\n  a.com:\n    origin: http://x.test\n", "h.yaml");
		expect(routeFor(noDefault, "constructor")).toBeUndefined();
		expect(routeFor(noDefault, "__proto__")).toBeUndefined();
	});

	test("with a scheme, a host without a port finds the entry written with its default port", () => {
		const config = parseHostsConfig(
			"hosts:\n  a.com:80:\n    origin: http://x.test\n  b.com:443:\n    origin: http://y.test\n",
			"h.yaml",
		);
		expect(routeFor(config, "a.com", "http")?.origin).toBe("http://x.test");
		expect(routeFor(config, "b.com", "https")?.origin).toBe("http://y.test");
		// Not the other scheme's default port, nor without a scheme.
		expect(routeFor(config, "a.com", "https")).toBeUndefined();
		expect(routeFor(config, "a.com")).toBeUndefined();
	});

	test("hosts named constructor and prototype are routes like any other", () => {
		// valibot's record drops these keys without an issue; the hosts map keeps them.
		const config = parseHostsConfig(
			"hosts:\n  constructor:\n    origin: http://c.test\n  prototype:\n    origin: http://p.test\n",
			"h.yaml",
		);
		expect(routeFor(config, "constructor")?.origin).toBe("http://c.test");
		expect(routeFor(config, "prototype:80", "http")?.origin).toBe("http://p.test");
		expect(routeFor(config, "__proto__")).toBeUndefined();
		expect(routeFor(config, "toString")).toBeUndefined();
	});

	test("a numeric-looking host matches the requests naming it, as the proxy parses them", () => {
		// YAML reads 127.1 and 8080 as numbers; URL parsing reads them as IPv4 addresses.
		const config = parseHostsConfig(
			"hosts:\n  127.1:\n    origin: http://a.test\n  8080:8080:\n    origin: http://b.test\n",
			"h.yaml",
		);
		expect(Object.keys(config.hosts)).toEqual(["127.0.0.1", "0.0.31.144:8080"]);
		expect(resolveTarget(config, "http://127.1/x", "127.1").route?.origin).toBe("http://a.test");
		expect(resolveTarget(config, "http://8080:8080/x", "8080:8080").route?.origin).toBe(
			"http://b.test",
		);
	});

	test("without a default, an unknown host has no route", () => {
		const config = parseHostsConfig("hosts:\n  a.com:\n    origin: http://x.test\n", "h.yaml");
		expect(routeFor(config, "b.com")).toBeUndefined();
	});

	const bad: [string, string, RegExp][] = [
		["broken YAML", "hosts: [a,\n b: }", /h\.yaml: not valid YAML/],
		["empty file", "", /h\.yaml: \(top level\)/],
		["no hosts", "hosts: {}\n", /h\.yaml: hosts: must name at least one host/],
		[
			"relative origin",
			"hosts:\n  a.com:\n    origin: /x\n",
			/h\.yaml: hosts\.a\.com\.origin: must be an absolute URL/,
		],
		[
			"ftp origin",
			"hosts:\n  a.com:\n    origin: ftp://x.test\n",
			/hosts\.a\.com\.origin: must be an http or https URL/,
		],
		[
			"origin with query",
			"hosts:\n  a.com:\n    origin: http://x.test/?a=1\n",
			/must not have a query or fragment/,
		],
		[
			"bad hostname",
			"hosts:\n  a_b!.com:\n    origin: http://x.test\n",
			/hosts\.a_b!\.com: is not a valid hostname/,
		],
		[
			"one host named twice in two cases",
			"hosts:\n  a.com:\n    origin: http://x.test\n  A.COM:\n    origin: http://y.test\n",
			/h\.yaml: hosts: names one host twice: "a\.com" and "A\.COM"/,
		],
		[
			"one host written twice (the parser keeps only the last)",
			"hosts:\n  a.com:\n    origin: http://x.test\n  b.com:\n    origin: http://z.test\n  a.com:\n    origin: http://y.test\n",
			/h\.yaml: line 6: hosts\.a\.com: written twice in one mapping \(lines 2 and 6\)/,
		],
		[
			"one host written twice, once quoted",
			"hosts:\n  a.com:\n    origin: http://x.test\n  'a.com':\n    origin: http://y.test\n",
			/hosts\.a\.com: written twice/,
		],
		[
			"a key YAML reads as a number spelled otherwise",
			"hosts:\n  10.0.0.10:\n    origin: http://x.test\n  1.10:\n    origin: http://y.test\n",
			/line 4: hosts\.1\.10: the key 1\.10 reads as the number 1\.1, not as the text written; quote it/,
		],
		[
			"__proto__, which is no hostname",
			"hosts:\n  __proto__:\n    origin: http://x.test\n",
			/hosts\.__proto__: is not a valid hostname/,
		],
		[
			"two spellings of one IPv4 address",
			"hosts:\n  '127.1':\n    origin: http://x.test\n  127.0.0.1:\n    origin: http://y.test\n",
			/names one host twice: "127\.1" and "127\.0\.0\.1"/,
		],
		[
			"a port no Host can carry",
			"hosts:\n  a.com:99999:\n    origin: http://x.test\n",
			/hosts\.a\.com:99999: has a port above 65535/,
		],
		[
			"unknown field",
			"hosts:\n  a.com:\n    origin: http://x.test\n    orign: y\n",
			/hosts\.a\.com\.orign: unknown field/,
		],
		[
			"missing origin",
			"hosts:\n  a.com:\n    sortQuery: true\n",
			/hosts\.a\.com\.origin: is required/,
		],
		[
			"unknown top field",
			"hosts:\n  a.com:\n    origin: http://x.test\nextra: 1\n",
			/extra: unknown field/,
		],
		[
			"wrong type",
			"hosts:\n  a.com:\n    origin: http://x.test\n    sortQuery: yes please\n",
			/sortQuery: must be true or false/,
		],
		[
			"empty param",
			"hosts:\n  a.com:\n    origin: http://x.test\n    ignoreQueryParams: ['']\n",
			/ignoreQueryParams\.0: must be a parameter name, or a prefix ending in "\*"/,
		],
	];
	for (const [name, text, message] of bad) {
		test(`refuses ${name} with the field named`, () => {
			expect(() => parseHostsConfig(text, "h.yaml")).toThrow(HostsConfigError);
			expect(() => parseHostsConfig(text, "h.yaml")).toThrow(message);
		});
	}
});

describe("hosts file", () => {
	test("a missing file is a clear error", async () => {
		await expect(loadHostsFile("/nonexistent/hosts.yaml")).rejects.toThrow(
			"/nonexistent/hosts.yaml: no such file",
		);
	});

	test("a file on disk is read and validated", async () => {
		const dir = mkdtempSync(join(tmpdir(), "neurocache-hosts-"));
		try {
			const path = join(dir, "hosts.yaml");
			await Bun.write(path, "hosts:\n  a.com:\n    origin: http://x.test\n");
			expect((await loadHostsFile(path)).hosts["a.com"]?.origin).toBe("http://x.test");
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
