import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { ClientPurgeRequestSchema, PurgeRequestSchema, purgeSelectors } from "../../edge/purge.ts";

const routes = {
	hosts: { "cdn.test": { origin: "http://origin.test", ignoreQueryParams: ["utm_*"] } },
	default: "http://other.test",
};

describe("edge purge requests", () => {
	test("a URL selects its GET key and its Vary variants, under its host's key rules", () => {
		expect(purgeSelectors(routes, { url: "HTTP://CDN.test/a?utm_x=1&b=2" })).toEqual([
			{ key: "GET http://cdn.test/a?b=2" },
			{ prefix: "GET http://cdn.test/a?b=2\u0000" },
		]);
	});

	test("a prefix selects every key under it, variants included; a tag its tag", () => {
		expect(purgeSelectors(routes, { prefix: "http://cdn.test/img/" })).toEqual([
			{ prefix: "GET http://cdn.test/img/" },
		]);
		expect(purgeSelectors(routes, { tag: "page-1", soft: true })).toEqual([{ tag: "page-1" }]);
	});

	test("a URL on a host configured with its default port is keyed under that host's rules", () => {
		const portRoutes = {
			hosts: { "e.test:80": { origin: "http://origin.test", ignoreQueryParams: ["utm_*"] } },
			default: "http://other.test",
		};
		// The proxy keys a request for e.test by the "e.test:80" entry's rules (the port is
		// dropped from the Host); a purge routed otherwise computed another key and missed.
		for (const url of ["http://e.test/a?utm_x=1&b=2", "http://e.test:80/a?b=2"])
			expect(purgeSelectors(portRoutes, { url })[0]).toEqual({ key: "GET http://e.test/a?b=2" });
	});

	test("a URL the cache would never key selects nothing", () => {
		expect(purgeSelectors(routes, { url: "http://user:pw@cdn.test/a" })).toEqual([]);
	});

	test.each([
		["nothing", {}],
		["a relative URL", { url: "/a" }],
		["a non-http URL", { url: "ftp://cdn.test/a" }],
		["an empty tag", { tag: "" }],
		["a long tag", { tag: "t".repeat(257) }],
		["two selectors", { url: "http://cdn.test/a", tag: "t" }],
		["soft as text", { tag: "t", soft: "true" }],
		["an unknown field", { prefix: "http://cdn.test/", all: true }],
	])("%s is refused", (_name, body) => {
		expect(v.safeParse(PurgeRequestSchema, body).success).toBe(false);
		expect(v.safeParse(ClientPurgeRequestSchema, body).success).toBe(false);
	});

	test.each(["a,b", "a b", "a\tb", "a\u00a0b", " a"])(
		"a client's tag %j is refused: Cache-Tag splits on it, so no object carries it",
		(tag) => {
			expect(v.safeParse(ClientPurgeRequestSchema, { tag }).success).toBe(false);
			// A purge already in the replicated log is decoded with the lenient schema: it
			// still decodes, as it did when it was accepted.
			expect(v.safeParse(PurgeRequestSchema, { tag }).success).toBe(true);
		},
	);
});
