/**
 * The edge: a Hono app that proxies every method to the host's origin and answers GET and
 * HEAD from the cache when RFC 9111 allows. Web APIs and Hono only; runtimes adapt it.
 *
 * A request goes: host route -> cache key -> stored response (and its Vary variant) ->
 * reuse decision -> on a miss, one coalesced origin fetch per key whose body streams to the
 * client while it fills the tier. Every response says what happened in Cache-Status, and
 * the same phase feeds the metrics.
 */

import { type Context, Hono } from "hono";
import type { HostsConfig } from "./config/hosts.ts";
import { type RoutesHolder, routesHolder } from "./config/routes-holder.ts";
import { parseRequestCacheControl } from "./http/cache-control.ts";
import { cameBackTo, newHopName } from "./http/cdn-loop.ts";
import { isOriginForm } from "./http/raw-path.ts";
import { DEFAULT_STALE_IF_UNREACHABLE_S } from "./http/reuse.ts";
import type { CacheLock } from "./lock/cache-lock.ts";
import type { Timers } from "./lock/timers.ts";
import type { Registry } from "./metrics/registry.ts";
import { requestMetrics } from "./metrics/request-metrics.ts";
import { scrapedMetrics } from "./metrics/scraped.ts";
import { mayBeRouted, mountOwnRoutes } from "./own-routes.ts";
import { answeredHere } from "./proxy/answered-here.ts";
import {
	type Lookup,
	lookupStoredSync,
	type Pins,
	StoredAnalysisCache,
} from "./proxy/cache-read.ts";
import { type ClientAddress, createForward } from "./proxy/forward.ts";
import { goesForwardAtOnce } from "./proxy/forwarded-fields.ts";
import { type GetOrHeadDeps, serveGetOrHead } from "./proxy/get-or-head.ts";
import { type LogLine, logToStderr, networkFetch, type OriginFetch } from "./proxy/origin-fetch.ts";
import { rateLimitedLog } from "./proxy/rate-limited-log.ts";
import { type RequestTarget, RequestTargets } from "./proxy/request-target.ts";
import { plain, Responder } from "./proxy/respond.ts";
import { forwardUnsafe } from "./proxy/unsafe-method.ts";
import {
	type PurgeRequest,
	type Purger,
	purgeEverything,
	purger,
	purgeSelectors,
} from "./purge.ts";
import type { Storage, TierStats } from "./store/storage.ts";

export interface EdgeConfig {
	readonly pop: string;
	readonly originTimeoutMs: number;
	/** Bearer token for /_neuro/purge; purging is off without one. */
	readonly adminToken?: string;
	/**
	 * How stale a stored response may be and still be served when the origin cannot be
	 * reached (RFC 9111 §4.2.4); 0 turns it off. Default DEFAULT_STALE_IF_UNREACHABLE_S.
	 */
	readonly staleIfUnreachableSeconds?: number;
	/**
	 * This edge instance's name in the CDN-Loop member it sends (http/cdn-loop.ts); a request
	 * that comes back carrying it is a loop. Default: a random one per instance.
	 */
	readonly hopName?: string;
}

export interface EdgeDeps {
	readonly tier: Storage & { stats(): TierStats };
	/**
	 * Fixed routes, or a holder the host swaps while the app serves: each request resolves
	 * its route once, when it arrives, and keeps it to the end.
	 */
	readonly routes: HostsConfig | RoutesHolder;
	readonly lock: CacheLock;
	readonly timers: Timers;
	readonly metrics: Registry;
	readonly config: EdgeConfig;
	readonly fetchOrigin?: OriginFetch;
	/** Where origin failures are logged with their detail (a WARN line each); stderr by default. */
	readonly log?: LogLine;
	/**
	 * The address a request came from, appended to X-Forwarded-For for the origin; asked only
	 * when the request goes to the origin. Each runtime knows it its own way (Bun's
	 * requestIP, Node's socket, Deno's remoteAddr, Workers' CF-Connecting-IP); `c` is the
	 * Hono context when the request came through the router, undefined on the direct path.
	 */
	readonly clientAddress?: ClientAddress;
}

export type { ClientAddress };

/** The edge app, and its proxy without Hono's router in front. */
export interface Edge {
	/** Every route: the proxy, /_neuro/metrics and /_neuro/purge. */
	readonly app: Hono;
	/**
	 * The proxy called directly, for runtimes that pass no ExecutionContext (Bun, Node,
	 * Deno): the same code the app's catch-all runs, minus the router's dispatch (about a
	 * tenth of a cache hit). Undefined for a path the app's own routes may own (one under
	 * `/_neuro`, or whose first segment holds a percent-escape the router would decode) or
	 * a relative URL (a request without Host, on Bun): send those to `app.fetch`, the latter
	 * through `withDefaultAuthority` (runtime/default-authority.ts).
	 */
	readonly direct: (request: Request) => Response | Promise<Response> | undefined;
	/**
	 * A purge as /_neuro/purge carries it out, for purges that arrive another way (the
	 * replicated ones): the tier's objects, and the coalescing lock's uncacheable marks.
	 */
	readonly purge: Purger;
	/** Drops every stored object and every uncacheable mark. */
	readonly purgeEverything: () => Promise<number>;
}

/** The edge as a Hono app (what the Workers, Node and Deno adapters mount). */
export function createEdgeApp(deps: EdgeDeps): Hono {
	return createEdge(deps).app;
}

export function createEdge(deps: EdgeDeps): Edge {
	const { tier, lock, timers, metrics, config } = deps;
	const routes = routesHolder(deps.routes);
	const targets = new RequestTargets(routes);
	const { countRequest, originSeconds } = requestMetrics(metrics, config.pop);
	const respond = new Responder(countRequest);
	const scraped = scrapedMetrics(metrics);
	const syncTier = hasSyncLookup(tier) ? tier : undefined;
	const purgeTier = purger(tier, routes);
	/**
	 * Carries out a purge, and forgets that the keys it names were uncacheable: what the
	 * origin serves there now may be storable. A tag names no key the lock knows (marked
	 * keys have nothing stored, so no tags), so a tag purge forgets every mark: each marked
	 * key then costs one turn behind a writer to be marked again.
	 */
	const purge = async (request: PurgeRequest): Promise<number> => {
		const purged = await purgeTier(request);
		for (const selector of purgeSelectors(routes.current, request))
			lock.forgetUncacheable("tag" in selector ? EVERY_KEY : selector);
		return purged;
	};
	const purgeAll = async (): Promise<number> => {
		const purged = await purgeEverything(tier);
		lock.forgetUncacheable(EVERY_KEY);
		return purged;
	};
	const hopName = config.hopName ?? newHopName();
	const loopLog = rateLimitedLog(deps.log ?? logToStderr, () => timers.now());
	/**
	 * A 508 for a request that already went out from this instance (RFC 8586): the host's
	 * origin leads back here. Forwarded again it would loop, each pass adding a hop, until
	 * a GET's pass waited on its own coalescing lock for the whole reader wait.
	 */
	const refuseLoop = (request: Request, target: RequestTarget): Response | undefined => {
		if (!cameBackTo(request.headers.get("cdn-loop"), hopName)) return undefined;
		loopLog(
			`WARN request loop: ${request.method} ${target.cacheUrl} came back to this edge (its CDN-Loop holds this edge's member): the origin configured for ${target.host} leads back here`,
		);
		return respond.finish(request, target.hostLabel, plain(508, LOOP_TEXT), "bypass");
	};
	const forward = createForward({
		tier,
		fetchOrigin: deps.fetchOrigin ?? networkFetch,
		timers,
		originTimeoutMs: config.originTimeoutMs,
		pop: config.pop,
		originSeconds,
		log: deps.log ?? logToStderr,
		clientAddress: deps.clientAddress,
		hopName,
	});
	// An unsafe method's success drops the URLs it changed, each with all its variants.
	const unsafeDeps = { forward, respond, purgeUrl: (url: string) => purge({ url }) };
	const analysis = new StoredAnalysisCache();
	const getOrHeadDeps: GetOrHeadDeps = {
		tier,
		lock,
		timers,
		respond,
		analysis,
		forward,
		staleIfUnreachableSeconds: config.staleIfUnreachableSeconds ?? DEFAULT_STALE_IF_UNREACHABLE_S,
	};

	const app = new Hono();
	mountOwnRoutes(app, {
		renderMetrics: () => {
			scraped.update(config.pop, tier.stats(), lock.stats());
			return metrics.render();
		},
		purge,
		adminToken: config.adminToken,
	});

	// A fresh hit from a tier that answers at once is served without a promise; everything
	// else continues asynchronously. Either way the request's pins are released once its
	// Response is built (the runtime copies the body): the tier may then reuse the slots.
	app.all("*", (c) => serve(c.req.raw, c.req.url, c));

	/**
	 * `url` is `request.url`, read once (on Bun each read builds the string anew); `c`
	 * carries the runtime's ExecutionContext, if any (keepRunning); undefined: none.
	 */
	const serve = (
		request: Request,
		url: string,
		c: Context | undefined,
	): Response | Promise<Response> => {
		const pins: Pins = [];
		let answer: Response | Promise<Response>;
		try {
			answer = proxy(request, url, pins, c);
		} catch (error) {
			releaseAll(pins);
			throw error;
		}
		if (answer instanceof Response) {
			releaseAll(pins);
			return answer;
		}
		return answer.finally(() => releaseAll(pins));
	};

	const proxy = (
		request: Request,
		url: string,
		pins: Pins,
		c: Context | undefined,
	): Response | Promise<Response> => {
		const target = targets.resolve(url, request.headers.get("host"));
		const { host, route, hostLabel } = target;
		// RFC 9110 §9.3.6: CONNECT asks for a tunnel, which a reverse proxy does not open, and
		// its authority-form target names no path on the origin; §9.1: 501 for a method not
		// implemented. Forwarded, it failed at the origin call as a 502 "origin unreachable",
		// blaming a healthy origin in the client's answer and in a WARN line.
		if (request.method === "CONNECT")
			return respond.finish(request, hostLabel, plain(501, "CONNECT is not implemented"), "bypass");
		if (target.badRequest !== undefined)
			return respond.finish(request, hostLabel, plain(400, target.badRequest), "bypass");
		if (route === undefined) {
			const refused = plain(421, `no origin is configured for host ${host}`);
			return respond.finish(request, hostLabel, refused, "bypass");
		}
		if (request.method !== "GET" && request.method !== "HEAD") {
			const own = answeredHere(request);
			if (own !== undefined) return respond.finish(request, hostLabel, own, "bypass");
			return refuseLoop(request, target) ?? forwardUnsafe(unsafeDeps, request, target, c);
		}
		const key = target.getKey;
		if (!key.ok) {
			// RFC 9110 §15.5.15: a target longer than we interpret is 414, other bad ones 400.
			const status = key.error.kind === "url-too-long" ? 414 : 400;
			const refused = plain(status, `bad request target: ${key.error.message}`);
			return respond.finish(request, hostLabel, refused, "bypass");
		}
		const cacheControl = parseRequestCacheControl(request.headers.get("cache-control"));
		let looked: Lookup | undefined;
		if (!goesForwardAtOnce(cacheControl) && syncTier !== undefined) {
			// The hot path: a tier that answers at once and a fresh stored response make a hit
			// with no promise and no per-request closure.
			looked = lookupStoredSync(
				syncTier,
				analysis,
				key.value,
				request.headers,
				cacheControl,
				timers.now(),
				pins,
				request.method,
			);
			if (looked.kind === "found" && looked.decision.action === "serve")
				return respond.fromCache(request, hostLabel, looked, "hit");
		}
		// Checked after the hit: a fresh hit is no loop, and the hot path reads no more fields.
		return (
			refuseLoop(request, target) ??
			serveGetOrHead(
				getOrHeadDeps,
				{ request, c, target, primaryKey: key.value, cacheControl, pins },
				looked,
			)
		);
	};

	return {
		app,
		purge,
		purgeEverything: purgeAll,
		direct: (request) => {
			const url = request.url;
			// A relative URL (Bun's, for a request without Host) goes the router's way too:
			// its caller makes it absolute first (runtime/default-authority.ts).
			return mayBeRouted(url) || isOriginForm(url) ? undefined : serve(request, url, undefined);
		},
	};
}

const LOOP_TEXT = "request loop: this request already passed through this edge";

/** The key prefix every key has: what forgetting all uncacheable marks names. */
const EVERY_KEY = Object.freeze({ prefix: "" });

function releaseAll(pins: Pins): void {
	for (const pin of pins) pin.release();
}

function hasSyncLookup(tier: Storage): tier is Storage & Required<Pick<Storage, "lookupSync">> {
	return tier.lookupSync !== undefined;
}
