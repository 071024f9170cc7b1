/**
 * The edge as every runtime adapter builds it: the pure-TS slab (no bun:ffi outside Bun),
 * the L0 memory tier with the large objects' store beside it, request coalescing on the
 * system timers, metrics, and the status routes in front of the edge proxy. Runtime-free: the adapters only serve what this
 * returns, so Bun, Node, Deno and Workers answer with one handler.
 */
import { Hono } from "hono";
import { TsSlab } from "../../native/slab-ts.ts";
import packageJson from "../../package.json" with { type: "json" };
import { type ClientAddress, createEdgeApp } from "../app.ts";
import { originForLog } from "../http/userinfo.ts";
import { CacheLock, POP_LOCK_TIMEOUTS } from "../lock/cache-lock.ts";
import { systemTimers } from "../lock/timers.ts";
import { Registry } from "../metrics/registry.ts";
import type { OriginFetch } from "../proxy/origin-fetch.ts";
import { createStatusApp } from "../status-app.ts";
import type { Clock } from "../store/clock.ts";
import { createL0, largeStoreSummary } from "../store/l0.ts";
import type { EdgeSettings } from "./settings.ts";

export interface WiredEdge {
	/** Status routes under /_neuro, then the proxy for everything else. */
	readonly app: Hono;
	/** Frees the tier's memory; the app must not be used afterwards. */
	close(): void;
}

export interface WireOptions {
	/**
	 * The tier's clock. Omitted: the shared coarse clock (a 1 ms interval timer), cheaper per
	 * hit. Workers allow no timer outside a request, so the Worker passes systemClock.
	 */
	readonly clock?: Clock;
	/** How this runtime tells where a request came from (EdgeDeps.clientAddress). */
	readonly clientAddress?: ClientAddress;
	/**
	 * How this runtime calls the origin; omitted, the global fetch (with Bun's
	 * `decompress: false`). Node and Deno pass node-http-fetch.ts: their fetch decodes bodies.
	 */
	readonly fetchOrigin?: OriginFetch;
}

export const VERSION: string = packageJson.version;

export function wireEdge(
	settings: Pick<
		EdgeSettings,
		"routes" | "originTimeoutMs" | "memoryMb" | "largeMb" | "adminToken" | "pop"
	>,
	options: WireOptions = {},
): WiredEdge {
	const slab = new TsSlab({ capacityBytes: settings.memoryMb * 2 ** 20 });
	const {
		memory: tier,
		large,
		storage,
	} = createL0(slab, settings.largeMb * 2 ** 20, options.clock);
	const timers = systemTimers;
	const edge = createEdgeApp({
		tier: storage,
		routes: settings.routes,
		lock: new CacheLock({ timers, ...POP_LOCK_TIMEOUTS }),
		timers,
		metrics: new Registry(),
		config: {
			pop: settings.pop,
			originTimeoutMs: settings.originTimeoutMs,
			...(settings.adminToken !== undefined ? { adminToken: settings.adminToken } : {}),
		},
		...(options.clientAddress ? { clientAddress: options.clientAddress } : {}),
		...(options.fetchOrigin ? { fetchOrigin: options.fetchOrigin } : {}),
	});
	const app = new Hono();
	app.route(
		"/",
		createStatusApp({
			tier,
			large,
			version: VERSION,
			startedAt: Date.now(),
			adminToken: settings.adminToken,
		}),
	);
	app.route("/", edge);
	return { app, close: () => tier.close() };
}

/** The one line each adapter prints once it listens; tests wait for it. */
export function listeningLine(runtime: string, url: string, settings: EdgeSettings): string {
	return `neurocache ${VERSION} edge on ${runtime} listening on ${url} (${routingSummary(settings.routes)}, L0 ${settings.memoryMb} MiB, ts slab, ${largeStoreSummary(settings.largeMb)})`;
}

/** "origin URL" for one origin, else the routed hosts and the default, if any. */
function routingSummary(routes: EdgeSettings["routes"]): string {
	const hosts = Object.keys(routes.hosts);
	const origin = routes.default === undefined ? undefined : originForLog(routes.default);
	if (hosts.length === 0) return `origin ${origin}`;
	const named = `routes ${hosts.join(", ")}`;
	return origin === undefined ? named : `${named}; default origin ${origin}`;
}
