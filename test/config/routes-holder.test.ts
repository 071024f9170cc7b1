import { describe, expect, test } from "bun:test";
import type { HostsConfig } from "../../edge/config/hosts.ts";
import { RoutesHolder, routesHolder } from "../../edge/config/routes-holder.ts";
import { RequestTargets } from "../../edge/proxy/request-target.ts";

const a: HostsConfig = { hosts: {}, default: "http://a.test" };
const b: HostsConfig = { hosts: { "cdn.test": { origin: "http://b.test" } } };

describe("routes holder", () => {
	test("holds the routes it was made with until swapped; counts swaps; returns the replaced", () => {
		const holder = new RoutesHolder(a);
		expect(holder.current).toBe(a);
		expect(holder.generation).toBe(0);
		expect(holder.swap(b)).toBe(a);
		expect(holder.current).toBe(b);
		expect(holder.generation).toBe(1);
		expect(holder.swap(a)).toBe(b);
		expect(holder.current).toBe(a);
		expect(holder.generation).toBe(2);
	});

	test("routesHolder keeps a holder as is and wraps a plain config", () => {
		const holder = new RoutesHolder(a);
		expect(routesHolder(holder)).toBe(holder);
		const wrapped = routesHolder(b);
		expect(wrapped.current).toBe(b);
		expect(wrapped.generation).toBe(0);
	});

	test("request targets resolve by the current routes; the memo starts over on a swap", () => {
		const holder = new RoutesHolder(a);
		const targets = new RequestTargets(holder);
		const before = targets.resolve("http://cdn.test/p?x=1", "cdn.test");
		expect(before.originUrl).toBe("http://a.test/p?x=1");
		// Memoized: the same object while the routes stay.
		expect(targets.resolve("http://cdn.test/p?x=1", "cdn.test")).toBe(before);
		holder.swap(b);
		const after = targets.resolve("http://cdn.test/p?x=1", "cdn.test");
		expect(after.originUrl).toBe("http://b.test/p?x=1");
		// A target already handed out (a request in flight) keeps its old origin.
		expect(before.originUrl).toBe("http://a.test/p?x=1");
		// A host b does not route (no default) has no route now.
		expect(targets.resolve("http://other.test/", "other.test").route).toBeUndefined();
		holder.swap(a);
		expect(targets.resolve("http://cdn.test/p?x=1", "cdn.test").originUrl).toBe(
			"http://a.test/p?x=1",
		);
	});
});
