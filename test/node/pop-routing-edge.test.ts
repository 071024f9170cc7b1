/**
 * The edge as node.ts builds it (cluster/node/node-edge.ts) following its POP's replicated
 * config, in one process: two origins on real sockets, a real POP config machine fed log
 * entries as a member would apply them, and the control plane's watch wiring
 * (followPopConfig). Requests go to A; a set moves new requests to B (one in flight on A
 * finishes there); a delete returns to A; with routing pinned by a flag nothing moves.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { followPopConfig } from "../../cluster/node/control-plane.ts";
import { createNodeEdge, followRouting } from "../../cluster/node/node-edge.ts";
import type { StartupRouting } from "../../cluster/node/pop-routing.ts";
import { encodePopConfigCommand } from "../../cluster/pop-config/command.ts";
import { PopConfigMachine } from "../../cluster/pop-config/machine.ts";
import type { HostsConfig } from "../../edge/config/hosts.ts";
import { RoutesHolder } from "../../edge/config/routes-holder.ts";
import { purger } from "../../edge/purge.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";

/** A tiny origin answering its name; /cached is cacheable, /slow waits until released. */
function origin(name: string) {
	let release: () => void = () => {};
	let arrived: () => void = () => {};
	const gate = { released: Promise.resolve(), arrived: Promise.resolve() };
	const server = Bun.serve({
		hostname: "127.0.0.1",
		port: 0,
		async fetch(request) {
			const path = new URL(request.url).pathname;
			if (path === "/slow") {
				arrived();
				await gate.released;
			}
			return new Response(`from ${name} ${path}`, {
				headers: { "cache-control": path === "/cached" ? "max-age=600" : "no-store" },
			});
		},
	});
	return {
		url: `http://127.0.0.1:${server.port}`,
		server,
		/** Arms /slow: it answers only once release() is called; `arrived` says it was asked. */
		hold() {
			gate.released = new Promise<void>((resolve) => {
				release = resolve;
			});
			gate.arrived = new Promise<void>((resolve) => {
				arrived = resolve;
			});
			return { arrived: gate.arrived, release: () => release() };
		},
	};
}

const a = origin("A");
const b = origin("B");
const tiers: MemoryTier[] = [];
afterAll(() => {
	a.server.stop(true);
	b.server.stop(true);
	for (const tier of tiers) tier.close();
});

/**
 * Routes that start on origin A and follow `machine`'s config for fra1, as node.ts wires
 * them; what the node would log (and any WARN for a bad document) collects in `lines`.
 */
function followFromStart(machine: PopConfigMachine, pinnedBy: StartupRouting["pinnedBy"]) {
	const started: HostsConfig = { hosts: {}, default: a.url };
	const routes = new RoutesHolder(started);
	const lines: string[] = [];
	const startup: StartupRouting = {
		pop: "fra1",
		routes: started,
		pinnedBy,
		listen: { host: "127.0.0.1", port: 8101 },
		memoryMb: 4,
		largeMb: 256,
	};
	followPopConfig(
		machine,
		"fra1",
		followRouting(
			routes,
			() => startup,
			(line) => lines.push(line),
		),
		(error) => lines.push(`WARN ${error.message}`),
	);
	return { routes, lines };
}

/** An edge wired as node.ts wires it, its routing following a POP config machine. */
function nodeEdge(pinnedBy: StartupRouting["pinnedBy"]) {
	const tier = new MemoryTier({ slab: new TsSlab({ capacityBytes: 4 << 20 }) });
	tiers.push(tier);
	const machine = new PopConfigMachine();
	const { routes, lines } = followFromStart(machine, pinnedBy);
	const app = createNodeEdge({ tier, routes, pop: "fra1", originTimeoutMs: 5_000 }).app;
	let seq = 0;
	const apply = (op: { kind: "set"; config: unknown } | { kind: "delete" }) =>
		machine.apply(
			machine.appliedIndex + 1,
			encodePopConfigCommand({ client: 1, seq: ++seq, op: { ...op, name: "fra1" } }),
		);
	const get = async (path: string) => {
		const response = await app.request(`http://cdn.test${path}`, {
			headers: { host: "cdn.test" },
		});
		return { body: await response.text(), status: response.headers.get("cache-status") ?? "" };
	};
	return { app, routes, tier, lines, apply, get, purge: purger(tier, routes) };
}

const doc = (routing: { origin?: string; routes?: HostsConfig }) => ({
	name: "fra1",
	region: "eu-central",
	listen: { host: "127.0.0.1", port: 8101 },
	tiers: { memoryMb: 4 },
	...routing,
});

/** Asks until the edge answers `path` from its cache (the fill is stored as it streams). */
async function cached(edge: ReturnType<typeof nodeEdge>, path: string) {
	for (let attempt = 0; attempt < 100; attempt++) {
		const answer = await edge.get(path);
		if (/;hit/.test(answer.status)) return answer;
		await Bun.sleep(0);
	}
	throw new Error(`${path} never became a hit`);
}

describe("the node's edge follows its POP's replicated routing", () => {
	test("set moves new requests to B, one in flight finishes on A; delete returns to A", async () => {
		const edge = nodeEdge(undefined);
		expect((await edge.get("/p")).body).toBe("from A /p");
		const held = a.hold();
		const inFlight = edge.get("/slow");
		await held.arrived;
		expect(edge.apply({ kind: "set", config: doc({ origin: b.url }) }).kind).toBe("command");
		expect(edge.routes.current).toEqual({ hosts: {}, default: b.url });
		expect(edge.lines).toEqual([
			`INFO POP fra1's replicated config changed (index 1): routing applied (every host -> ${b.url})`,
		]);
		expect((await edge.get("/p")).body).toBe("from B /p");
		held.release();
		expect((await inFlight).body).toBe("from A /slow");
		expect(edge.apply({ kind: "delete" }).kind).toBe("command");
		expect(edge.lines[1]).toBe(
			`INFO POP fra1's replicated config was deleted (index 2): routing back to what this node started with (every host -> ${a.url})`,
		);
		expect((await edge.get("/p")).body).toBe("from A /p");
	});

	test("routes (hosts-file shape) apply per host; cached objects stay; purges use the new rules", async () => {
		const edge = nodeEdge(undefined);
		const hit = await cached(edge, "/cached");
		expect(hit.body).toBe("from A /cached");
		edge.apply({
			kind: "set",
			config: doc({
				routes: {
					hosts: { "cdn.test": { origin: b.url, ignoreQueryParams: ["utm_*"] } },
				},
			}),
		});
		// The object cached from A is still served: the origin is not part of the cache key.
		const kept = await edge.get("/cached");
		expect(kept.body).toBe("from A /cached");
		expect(kept.status).toMatch(/;hit/);
		expect((await edge.get("/p")).body).toBe("from B /p");
		// A host the new routes do not name has no origin now (421).
		const other = await edge.app.request("http://elsewhere.test/p", {
			headers: { host: "elsewhere.test" },
		});
		expect(other.status).toBe(421);
		// The purge keys the URL by the new routes' rules: utm_* is ignored, so it names /cached.
		expect(await edge.purge({ url: "http://cdn.test/cached?utm_source=x" })).toBeGreaterThan(0);
		expect((await edge.get("/cached")).body).toBe("from B /cached");
	});

	test("a document already replicated when the node starts applies at once", async () => {
		const machine = new PopConfigMachine();
		machine.apply(
			1,
			encodePopConfigCommand({
				client: 9,
				seq: 1,
				op: { kind: "set", name: "fra1", config: doc({ origin: b.url }) },
			}),
		);
		const { routes, lines } = followFromStart(machine, undefined);
		expect(routes.current).toEqual({ hosts: {}, default: b.url });
		expect(lines).toEqual([
			`INFO POP fra1's replicated config changed (index 1): routing applied (every host -> ${b.url})`,
		]);
	});

	test("pinned by --origin: a set and a delete change nothing, and say so", async () => {
		const edge = nodeEdge("--origin");
		edge.apply({ kind: "set", config: doc({ origin: b.url }) });
		expect(edge.routes.generation).toBe(0);
		expect((await edge.get("/p")).body).toBe("from A /p");
		edge.apply({ kind: "delete" });
		expect((await edge.get("/p")).body).toBe("from A /p");
		expect(edge.lines).toEqual([
			`INFO POP fra1's replicated config changed (index 1): routing not applied: --origin given at start pins it (every host -> ${a.url})`,
			`INFO POP fra1's replicated config was deleted (index 2): routing not applied: --origin given at start pins it (every host -> ${a.url})`,
		]);
	});

	test("a watcher that throws is reported, never reaching the machine's apply", () => {
		const machine = new PopConfigMachine();
		const errors: string[] = [];
		followPopConfig(
			machine,
			"fra1",
			() => {
				throw new Error("boom");
			},
			(error) => errors.push(error.message),
		);
		const applied = machine.apply(
			1,
			encodePopConfigCommand({ client: 1, seq: 1, op: { kind: "delete", name: "fra1" } }),
		);
		expect(applied.kind).toBe("command");
		machine.apply(
			2,
			encodePopConfigCommand({
				client: 1,
				seq: 2,
				op: { kind: "set", name: "fra1", config: doc({ origin: b.url }) },
			}),
		);
		expect(errors).toEqual(["boom"]);
	});
});
