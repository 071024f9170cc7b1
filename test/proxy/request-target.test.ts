import { describe, expect, test } from "bun:test";
import type { HostsConfig } from "../../edge/config/hosts.ts";
import { RequestTargets, resolveTarget } from "../../edge/proxy/request-target.ts";

const routes: HostsConfig = {
	hosts: {
		"cdn.test": { origin: "http://origin.test/" },
		"sorted.test": { origin: "http://other.test", sortQuery: true, ignoreQueryParams: ["utm_*"] },
	},
};

describe("request targets", () => {
	test("route, origin URL and GET key of a configured host", () => {
		const target = resolveTarget(routes, "http://cdn.test/a/b?x=1", "cdn.test");
		expect(target.route?.origin).toBe("http://origin.test/");
		expect(target.hostLabel).toBe("cdn.test");
		// The origin's trailing slash is not doubled.
		expect(target.originUrl).toBe("http://origin.test/a/b?x=1");
		expect(target.getKey).toEqual({ ok: true, value: "GET http://cdn.test/a/b?x=1" });
	});

	test("the host's key normalization applies (sorted query, ignored parameters)", () => {
		const target = resolveTarget(routes, "http://sorted.test/p?b=2&utm_source=x&a=1", null);
		expect(target.getKey).toEqual({ ok: true, value: "GET http://sorted.test/p?a=1&b=2" });
		// The origin still gets the query as the client sent it.
		expect(target.originUrl).toBe("http://other.test/p?b=2&utm_source=x&a=1");
	});

	test("an unknown host has no route and is labelled as unknown", () => {
		const target = resolveTarget(routes, "http://nope.test/", "nope.test");
		expect(target.route).toBeUndefined();
		expect(target.hostLabel).toBe("(unknown)");
		expect(target.originUrl).toBe("");
	});

	test("the Host header wins over the URL's authority", () => {
		const target = resolveTarget(routes, "http://127.0.0.1:8080/x", "cdn.test");
		expect(target.host).toBe("cdn.test");
		expect(target.cacheUrl).toBe("http://cdn.test/x");
	});

	test("a bad Host is a bad request (no route, no key), not an exception", () => {
		for (const host of ["bad host!", "cdn.test/x", "a.test, b.test", "cdn.test:99999"]) {
			const target = resolveTarget({ hosts: {}, default: "http://o.test" }, "http://a/x", host);
			expect(target.badRequest).toBe("invalid Host header");
			expect(target.getKey.ok).toBe(false);
			expect(target.route).toBeUndefined();
			expect(target.hostLabel).toBe("(unknown)");
		}
	});

	test("a URL the runtime could not make sense of is a bad request too", () => {
		const target = resolveTarget(routes, "http://cdn.test:bad/x", null);
		expect(target.badRequest).toBe("invalid request target");
	});

	test("a target that is no http(s) URL (a CONNECT's authority-form) is a bad request", () => {
		// "cdn.test:443" parses as scheme "cdn.test:" with path "443": before, it was routed,
		// and its origin URL was the origin's with "443" glued on.
		for (const url of ["cdn.test:443", "ftp://cdn.test/x"]) {
			const target = resolveTarget(routes, url, "cdn.test");
			expect({ url, badRequest: target.badRequest, originUrl: target.originUrl }).toEqual({
				url,
				badRequest: "invalid request target",
				originUrl: "",
			});
		}
	});

	test("hosts served by the default origin share one label, whatever Host says", () => {
		const withDefault: HostsConfig = { ...routes, default: "http://fallback.test" };
		for (const host of ["x1.test", "x2.test:8080"]) {
			const target = resolveTarget(withDefault, `http://${host}/`, host);
			expect(target.route?.origin).toBe("http://fallback.test");
			expect(target.hostLabel).toBe("(default)");
		}
		// A configured host keeps its configured name, with or without a port.
		expect(resolveTarget(withDefault, "http://cdn.test/", "CDN.test:8080").hostLabel).toBe(
			"cdn.test",
		);
	});

	test("routes on the Host as the key spells it, a hosts entry with the default port included", () => {
		const withDefault: HostsConfig = {
			hosts: {
				"cdn.test": { origin: "http://good.test" },
				"port.test:80": { origin: "http://p.test" },
			},
			default: "http://fallback.test",
		};
		for (const spelling of ["cdn%2Etest", "%63dn.test", "cdn.test:", "CDN.TEST"]) {
			const target = resolveTarget(withDefault, "http://x/a", spelling);
			expect(target.route?.origin).toBe("http://good.test");
			expect(target.getKey).toEqual({ ok: true, value: "GET http://cdn.test/a" });
		}
		for (const spelling of ["port.test:80", "port.test"]) {
			const target = resolveTarget(withDefault, "http://x/a", spelling);
			expect(target.route?.origin).toBe("http://p.test");
			expect(target.hostLabel).toBe("port.test:80");
		}
		expect(resolveTarget(withDefault, "http://x/a", "port.test:8080").route?.origin).toBe(
			"http://fallback.test",
		);
	});

	test("memoized per Host and URL, and still right past the bound", () => {
		const targets = new RequestTargets(routes, 4);
		const a = targets.resolve("http://cdn.test/a", "cdn.test");
		expect(targets.resolve("http://cdn.test/a", "cdn.test")).toBe(a);
		// Same URL, other Host: another answer.
		expect(targets.resolve("http://cdn.test/a", "nope.test").route).toBeUndefined();
		for (let i = 0; i < 10; i++) {
			const target = targets.resolve(`http://cdn.test/p${i}`, "cdn.test");
			expect(target.cacheUrl).toBe(`http://cdn.test/p${i}`);
		}
		expect(targets.resolve("http://cdn.test/a", "cdn.test")).toEqual(a);
	});

	test("long URLs: the memo holds a bounded number of characters, not only of answers", () => {
		const limit = 200_000;
		const targets = new RequestTargets(routes, 4096, limit);
		const long = "a".repeat(16_000);
		for (let i = 0; i < 100; i++) {
			const target = targets.resolve(`http://cdn.test/${i}/${long}`, "cdn.test");
			expect(target.cacheUrl).toBe(`http://cdn.test/${i}/${long}`);
			// Before: only the count was bounded, and 100 answers held about 6.4 M characters.
			expect(targets.memoizedChars).toBeLessThanOrEqual(limit);
		}
		expect(targets.memoizedChars).toBeGreaterThan(0);
		// Short URLs are still memoized.
		const a = targets.resolve("http://cdn.test/a", "cdn.test");
		expect(targets.resolve("http://cdn.test/a", "cdn.test")).toBe(a);
	});

	test("memoized apart: no Host field, an empty one, and one per URL", () => {
		const targets = new RequestTargets(routes, 3);
		for (let round = 0; round < 3; round++) {
			// Without Host the URL's authority routes; an empty Host is a bad request (§3.2).
			expect(targets.resolve("http://cdn.test/a", null).route?.origin).toBe("http://origin.test/");
			expect(targets.resolve("http://cdn.test/a", "").badRequest).toBe("invalid Host header");
			expect(targets.resolve("http://cdn.test/b", "nope.test").route).toBeUndefined();
			expect(targets.resolve("http://nope.test/b", "cdn.test").cacheUrl).toBe("http://cdn.test/b");
		}
	});
});
