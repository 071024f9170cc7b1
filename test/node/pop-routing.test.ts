import { describe, expect, test } from "bun:test";
import type { PopConfig } from "../../cluster/node/pop-config.ts";
import {
	decideRouting,
	describeRoutes,
	routesOf,
	type StartupRouting,
} from "../../cluster/node/pop-routing.ts";

const started: StartupRouting = {
	pop: "fra1",
	routes: { hosts: {}, default: "http://127.0.0.1:9101" },
	pinnedBy: undefined,
	listen: { host: "127.0.0.1", port: 8101 },
	memoryMb: 256,
	largeMb: 256,
};

const doc: PopConfig = {
	name: "fra1",
	region: "eu-central",
	listen: { host: "127.0.0.1", port: 8101 },
	origin: "http://127.0.0.1:9201",
	tiers: { memoryMb: 256 },
};

const routed: PopConfig = {
	...doc,
	origin: undefined,
	routes: {
		hosts: { "www.example.com": { origin: "http://127.0.0.1:9301" } },
		default: "http://127.0.0.1:9302",
	},
};

describe("which routing a replicated POP config change applies", () => {
	test("not pinned: a document's origin wins over the routing the node started with", () => {
		const decision = decideRouting(started, { config: doc, index: 7 });
		expect(decision.apply).toEqual({ hosts: {}, default: "http://127.0.0.1:9201" });
		expect(decision.lines).toEqual([
			"INFO POP fra1's replicated config changed (index 7): routing applied (every host -> http://127.0.0.1:9201)",
		]);
	});

	test("not pinned: a document's routes (hosts-file shape) apply as given", () => {
		const decision = decideRouting(started, { config: routed, index: 8 });
		expect(decision.apply).toEqual(routed.routes);
		expect(decision.lines).toEqual([
			"INFO POP fra1's replicated config changed (index 8): routing applied (1 host(s): www.example.com; default -> http://127.0.0.1:9302)",
		]);
	});

	test("not pinned: a delete, or a document without origin or routes, returns to the start-up routing", () => {
		const deleted = decideRouting(started, { config: null, index: 9 });
		expect(deleted.apply).toBe(started.routes);
		expect(deleted.lines).toEqual([
			"INFO POP fra1's replicated config was deleted (index 9): routing back to what this node started with (every host -> http://127.0.0.1:9101)",
		]);
		const silent = decideRouting(started, {
			config: { ...doc, origin: undefined },
			index: 10,
		});
		expect(silent.apply).toBe(started.routes);
		expect(silent.lines[0]).toMatch(/^INFO .*\(index 10\): it names no origin or routes/);
	});

	for (const pin of ["--origin", "--hosts", "--demo", "NEURO_ORIGIN"] as const)
		test(`pinned by ${pin}: neither a change nor a delete applies, and the line names the flag`, () => {
			const pinned = { ...started, pinnedBy: pin };
			const changed = decideRouting(pinned, { config: doc, index: 3 });
			expect(changed.apply).toBeUndefined();
			expect(changed.lines).toEqual([
				`INFO POP fra1's replicated config changed (index 3): routing not applied: ${pin} given at start pins it (every host -> http://127.0.0.1:9101)`,
			]);
			const deleted = decideRouting(pinned, { config: null, index: 4 });
			expect(deleted.apply).toBeUndefined();
			expect(deleted.lines[0]).toContain(`was deleted (index 4): routing not applied: ${pin}`);
		});

	test("listen and tiers that differ from the running process are logged as not applied", () => {
		const moved = { ...doc, listen: { host: "0.0.0.0", port: 80 }, tiers: { memoryMb: 512 } };
		const decision = decideRouting(started, { config: moved, index: 11 });
		expect(decision.apply).toEqual({ hosts: {}, default: "http://127.0.0.1:9201" });
		expect(decision.lines).toHaveLength(2);
		expect(decision.lines[1]).toBe(
			"INFO POP fra1's replicated config (index 11): listen 0.0.0.0:80 (this process: 127.0.0.1:8101), tiers.memoryMb 512 (this process: 256) not applied: listen and tiers are fixed for the life of the process (flags, env or the baked config at start)",
		);
		// Also when routing is pinned; a delete names no fields.
		const pinned = decideRouting(
			{ ...started, pinnedBy: "--origin" },
			{ config: moved, index: 12 },
		);
		expect(pinned.lines[1]).toContain("tiers.memoryMb 512");
		expect(decideRouting(started, { config: null, index: 13 }).lines).toHaveLength(1);
	});

	test("a large objects' budget that differs is named; one left out means the default", () => {
		const smaller = { ...doc, tiers: { memoryMb: 256, largeMb: 0 } };
		expect(decideRouting(started, { config: smaller, index: 15 }).lines[1]).toContain(
			"tiers.largeMb 0 (this process: 256) not applied",
		);
		// doc has no largeMb: the default (256) is what this process runs, so nothing differs.
		expect(decideRouting(started, { config: doc, index: 16 }).lines).toHaveLength(1);
		const larger = decideRouting({ ...started, largeMb: 512 }, { config: doc, index: 17 });
		expect(larger.lines[1]).toContain("tiers.largeMb 256 (this process: 512)");
	});

	test("a document whose routing the edge cannot use: WARN, the routing stays", () => {
		// The machine validates documents; one from a log written by another version may not.
		const badOrigin = { ...doc, origin: "http://127.0.0.1:9201/?q=1" };
		const decision = decideRouting(started, { config: badOrigin, index: 14 });
		expect(decision.apply).toBeUndefined();
		expect(decision.lines[0]).toMatch(
			/^WARN POP fra1's replicated config changed \(index 14\): its routing cannot be used \(origin: must not have a query or fragment\); the routing stays as it was$/,
		);
		const badRoutes = { ...doc, origin: undefined, routes: { hosts: {} } } as unknown as PopConfig;
		expect(decideRouting(started, { config: badRoutes, index: 15 }).apply).toBeUndefined();
		expect(routesOf(badRoutes)).toEqual({
			kind: "bad",
			message: "routes: hosts: must name at least one host",
		});
		const both = { ...doc, routes: routed.routes } as PopConfig;
		expect(routesOf(both)).toEqual({
			kind: "bad",
			message: "origin and routes exclude each other",
		});
	});

	test("routings described in a few words", () => {
		expect(describeRoutes({ hosts: {} })).toBe("no origin");
		expect(
			describeRoutes({
				hosts: {
					"a.test": { origin: "http://o" },
					"b.test": { origin: "http://o" },
					"c.test": { origin: "http://o" },
					"d.test": { origin: "http://o" },
				},
			}),
		).toBe("4 host(s): a.test, b.test, c.test, ...; no default");
	});
});
