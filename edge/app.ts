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
import * as v from "valibot";
import { adminRefusal } from "./admin-auth.ts";
import type { HostsConfig } from "./config/hosts.ts";
import { type RoutesHolder, routesHolder } from "./config/routes-holder.ts";
import { parseRequestCacheControl, type RequestCacheControl } from "./http/cache-control.ts";
import type { CachePhase } from "./http/cache-phase.ts";
import type { CacheStatusParams } from "./http/cache-status.ts";
import { urisToInvalidate } from "./http/invalidation.ts";
import { pathStart } from "./http/raw-path.ts";
import {
	DEFAULT_STALE_IF_UNREACHABLE_S,
	mayServeStaleOnError,
	mayServeStaleWhenUnreachable,
} from "./http/reuse.ts";
import type { CacheLock } from "./lock/cache-lock.ts";
import type { Timers } from "./lock/timers.ts";
import type { CounterSeries, Registry } from "./metrics/registry.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./metrics/registry.ts";
import { scrapedMetrics } from "./metrics/scraped.ts";
import { keepRunning } from "./proxy/background.ts";
import {
	type Found,
	type Lookup,
	lookupStored,
	lookupStoredSync,
	type Pins,
	StoredAnalysisCache,
} from "./proxy/cache-read.ts";
import { storeWhileStreaming } from "./proxy/cache-write.ts";
import { answerFromWhole, sliceStream } from "./proxy/fill-answer.ts";
import {
	callOrigin,
	type LogLine,
	logToStderr,
	networkFetch,
	type OriginFetch,
	type OriginResult,
} from "./proxy/origin-fetch.ts";
import { rateLimitedLog } from "./proxy/rate-limited-log.ts";
import { type RequestTarget, RequestTargets } from "./proxy/request-target.ts";
import { notModifiedHeaders, plain, Responder } from "./proxy/respond.ts";
import { applyNotModified, revalidationHeaders } from "./proxy/revalidate.ts";
import { PurgeRequestSchema, purger } from "./purge.ts";
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
}

/** The edge app, and its proxy without Hono's router in front. */
export interface Edge {
	/** Every route: the proxy, /_neuro/metrics and /_neuro/purge. */
	readonly app: Hono;
	/**
	 * The proxy called directly, for runtimes that pass no ExecutionContext (Bun, Node,
	 * Deno): the same code the app's catch-all runs, minus the router's dispatch (about a
	 * tenth of a cache hit). Undefined for a path the app's own routes may own (one under
	 * `/_neuro`, or whose first segment holds a percent-escape the router would decode):
	 * send those to `app.fetch`.
	 */
	readonly direct: (request: Request) => Response | Promise<Response> | undefined;
}

/** The edge as a Hono app (what the Workers, Node and Deno adapters mount). */
export function createEdgeApp(deps: EdgeDeps): Hono {
	return createEdge(deps).app;
}

/**
 * A path the router, not the proxy, may answer: one under `/_neuro` (every route of ours
 * lives there), or one whose first segment holds an escape the router would decode (it
 * might spell `_neuro`). Origin paths like `/_next/…` go straight to the proxy.
 */
function mayBeRouted(url: string): boolean {
	const start = pathStart(url);
	if (url.startsWith(OWN_ROUTES_PREFIX, start)) return true;
	const percent = url.indexOf("%", start);
	if (percent < 0) return false;
	const segmentEnd = url.indexOf("/", start + 1);
	const query = url.indexOf("?", start);
	return (segmentEnd < 0 || percent < segmentEnd) && (query < 0 || percent < query);
}

/** Where the app's own routes (metrics, purge, status) live. */
const OWN_ROUTES_PREFIX = "/_neuro";

export function createEdge(deps: EdgeDeps): Edge {
	const { tier, lock, timers, metrics, config } = deps;
	const fetchOrigin = deps.fetchOrigin ?? networkFetch;
	const staleIfUnreachableSeconds =
		config.staleIfUnreachableSeconds ?? DEFAULT_STALE_IF_UNREACHABLE_S;
	const requests = metrics.counter("neuro_requests_total", "Requests by cache phase.", [
		"pop",
		"host",
		"phase",
	]);
	const originSeconds = metrics.histogram(
		"neuro_origin_duration_seconds",
		"Time to the origin's response headers.",
		["pop", "host"],
		[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
	);
	/** One bound series per host and phase: hosts are the configured ones or "(unknown)". */
	const seriesByHost = new Map<string, Map<CachePhase, CounterSeries>>();
	const requestSeries = (host: string, phase: CachePhase): CounterSeries => {
		let byPhase = seriesByHost.get(host);
		if (byPhase === undefined) {
			byPhase = new Map();
			seriesByHost.set(host, byPhase);
		}
		let series = byPhase.get(phase);
		if (series === undefined) {
			series = requests.series({ pop: config.pop, host, phase });
			byPhase.set(phase, series);
		}
		return series;
	};
	const routes = routesHolder(deps.routes);
	const targets = new RequestTargets(routes);
	const respond = new Responder((hostLabel, phase) => requestSeries(hostLabel, phase).inc());
	const scraped = scrapedMetrics(metrics);
	const analysis = new StoredAnalysisCache();
	const syncTier = hasSyncLookup(tier) ? tier : undefined;
	const purge = purger(tier, routes);
	const app = new Hono();

	app.get("/_neuro/metrics", () => {
		scraped.update(config.pop, tier.stats(), lock.stats());
		return new Response(metrics.render(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
	});

	app.post("/_neuro/purge", async (c) => {
		const refused = adminRefusal(c.req.header("authorization"), config.adminToken, "purge");
		if (refused !== undefined) return refused;
		let body: unknown;
		try {
			body = await c.req.json();
		} catch {
			return c.text('body must be JSON: {"url" | "tag" | "prefix": "...", "soft"?: true}\n', 400);
		}
		const parsed = v.safeParse(PurgeRequestSchema, body);
		if (!parsed.success)
			return c.text(
				'body must be {"url": "<absolute URL>"}, {"tag": "<tag>"} or {"prefix": "<absolute URL>"}, with optional "soft": true\n',
				400,
			);
		const purged = await purge(parsed.output);
		return c.json({ purged, soft: parsed.output.soft === true });
	});

	/** Drops a URL and all its variants (what an unsafe method's success invalidates). */
	const purgeUrl = (url: string) => purge({ url });

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
		if (target.badRequest !== undefined)
			return respond.finish(request, hostLabel, plain(400, target.badRequest), "bypass");
		if (route === undefined) {
			const refused = plain(421, `no origin is configured for host ${host}`);
			return respond.finish(request, hostLabel, refused, "bypass");
		}
		if (request.method !== "GET" && request.method !== "HEAD")
			return forwardUnsafe(request, target);
		const key = target.getKey;
		if (!key.ok) {
			// RFC 9110 §15.5.15: a target longer than we interpret is 414, other bad ones 400.
			const status = key.error.kind === "url-too-long" ? 414 : 400;
			const refused = plain(status, `bad request target: ${key.error.message}`);
			return respond.finish(request, hostLabel, refused, "bypass");
		}
		const cacheControl = parseRequestCacheControl(request.headers.get("cache-control"));
		if (cacheControl.noStore || syncTier === undefined)
			return goOn(request, pins, c, target, key.value, cacheControl, undefined);
		// The hot path: a tier that answers at once and a fresh stored response make a hit
		// with no promise and no per-request closure.
		const looked = lookupStoredSync(
			syncTier,
			analysis,
			key.value,
			request.headers,
			cacheControl,
			timers.now(),
			pins,
		);
		if (looked.kind === "found" && looked.decision.action === "serve")
			return respond.fromCache(request, hostLabel, looked, "hit");
		return goOn(request, pins, c, target, key.value, cacheControl, looked);
	};

	// Origin failures under load would write a line per request: a few a second say as much.
	const originLog = rateLimitedLog(deps.log ?? logToStderr, () => timers.now());

	/** Calls the origin for the request's target, timing it. */
	const forward = async (
		request: Request,
		target: RequestTarget,
		method: string,
		headers: Headers = request.headers,
		clientSignal?: AbortSignal,
	) => {
		const started = timers.now();
		const result = await callOrigin(fetchOrigin, {
			url: target.originUrl,
			method,
			headers,
			body: request.body,
			timeoutMs: config.originTimeoutMs,
			timers,
			clientSignal,
			log: originLog,
		});
		// By label, not by Host: hosts the default origin serves would each add a series.
		const seconds = (timers.now() - started) / 1000;
		originSeconds.observe({ pop: config.pop, host: target.hostLabel }, seconds);
		return result;
	};

	/** Forwards an unsafe method; a success invalidates what it may have changed (§4.4). */
	const forwardUnsafe = async (request: Request, target: RequestTarget): Promise<Response> => {
		const { hostLabel } = target;
		const result = await forward(request, target, request.method, request.headers, request.signal);
		if (!result.ok)
			return respond.finish(request, hostLabel, plain(result.status, result.reason), "method");
		for (const uri of urisToInvalidate({
			method: request.method,
			status: result.response.status,
			targetUri: target.cacheUrl,
			responseHeaders: result.response.headers,
		})) {
			await purgeUrl(uri);
		}
		return respond.finish(request, hostLabel, result.response, "method", {
			fwdStatus: result.response.status,
		});
	};

	/**
	 * A GET or HEAD that is not a fresh hit from a synchronous tier: looks up (unless
	 * `looked` already says what is stored), then serves stale, revalidates or goes forward.
	 */
	const goOn = (
		request: Request,
		pins: Pins,
		c: Context | undefined,
		target: RequestTarget,
		primaryKey: string,
		cacheControl: RequestCacheControl,
		looked: Lookup | undefined,
	): Response | Promise<Response> => {
		const { hostLabel } = target;
		const fromCache = (found: Found, phase: CachePhase, extra?: CacheStatusParams) =>
			respond.fromCache(request, hostLabel, found, phase, extra);
		const finish = (response: Response, phase: CachePhase) =>
			respond.finish(request, hostLabel, response, phase);
		const lookupNow = () =>
			lookupStored(tier, analysis, primaryKey, request.headers, cacheControl, timers.now(), pins);
		/** Streams an origin answer to a GET into the tier (fills and background refreshes). */
		const store = (result: Extract<OriginResult, { ok: true }>) =>
			storeWhileStreaming(tier, {
				method: "GET",
				primaryKey,
				requestHeaders: request.headers,
				request: cacheControl,
				response: result.response,
				requestTimeMs: result.requestTimeMs,
				responseTimeMs: result.responseTimeMs,
				staleIfUnreachableSeconds,
			});

		/**
		 * Goes to the origin (once per key, with concurrent misses waiting on it) and stores.
		 * With a stale stored response it revalidates: a matching 304 freshens and serves it,
		 * and an origin failure serves it stale where stale-if-error allows (RFC 5861 §4).
		 */
		const staleWhenUnreachable = (stale: Found) =>
			mayServeStaleWhenUnreachable(
				stale.directives,
				stale.lifetimeSeconds,
				stale.ageSeconds,
				staleIfUnreachableSeconds,
			).allowed;

		const fetchAndStore = async (
			fwd: CachePhase,
			collapsedRetry: boolean,
			stale?: Found,
		): Promise<Response> => {
			// Only requests whose answer may be stored take part in coalescing: a writer that
			// stores nothing would mark the key uncacheable for everyone. A HEAD that misses
			// does (its writer fills with a GET, below); one revalidating a stale entry goes
			// through as a HEAD, whose 304 freshens the entry and whose 200 is passed on.
			const coalesce = !cacheControl.noStore && (request.method === "GET" || stale === undefined);
			const acquired = coalesce
				? lock.acquire(primaryKey, request.signal)
				: ({ role: "bypass" } as const);
			if (acquired.role === "waiter") {
				const outcome = await acquired.outcome;
				if (outcome === "filled" && !collapsedRetry) {
					const again = await lookupNow();
					if (again.kind === "found" && again.decision.action === "serve")
						return fromCache(again, fwd, { collapsed: true });
				}
				// The writer found the origin down: a waiter holding a stale copy serves it now
				// rather than waiting out an origin timeout of its own.
				if (outcome === "unreachable" && stale !== undefined && staleWhenUnreachable(stale))
					return fromCache(stale, "stale-if-unreachable");
				if ((outcome === "retry" || outcome === "unreachable") && !collapsedRetry)
					return fetchAndStore(fwd, true, stale);
			}
			const writer = acquired.role === "writer" ? acquired : undefined;
			// The writer asks for the whole response (its own validators, or none), so what
			// comes back can be stored; the client's conditionals and Range stay between it and
			// us, answered from that response (fill-answer.ts). That holds for a revalidation
			// too: one that carried the client's Range got a 206 for a changed object, which
			// cannot be stored, so the stale copy stayed and the key was marked uncacheable.
			const forwardHeaders = writer ? withoutClientConditionals(request.headers) : request.headers;
			const conditional =
				stale === undefined ? undefined : revalidationHeaders(forwardHeaders, stale);
			// A HEAD that misses fills the cache with a GET, as Varnish does: the GETs and HEADs
			// after it are hits, and its client still gets only the head (RFC 9110 §9.3.2).
			const method = writer !== undefined ? "GET" : request.method;
			// Only a forward that fills nothing stops when its client leaves: waiters need a fill.
			const clientSignal = writer === undefined ? request.signal : undefined;
			const result = await forward(
				request,
				target,
				method,
				conditional ?? forwardHeaders,
				clientSignal,
			);
			const staleOnError = () =>
				stale !== undefined &&
				mayServeStaleOnError(
					stale.directives,
					stale.lifetimeSeconds,
					stale.ageSeconds,
					cacheControl,
				).allowed;
			if (!result.ok) {
				writer?.release("unreachable");
				if (stale !== undefined && staleOnError()) return fromCache(stale, "stale-if-error");
				if (stale !== undefined && staleWhenUnreachable(stale))
					return fromCache(stale, "stale-if-unreachable");
				return finish(plain(result.status, result.reason), fwd);
			}
			const { response } = result;
			if (stale !== undefined && response.status >= 500 && staleOnError()) {
				writer?.release("failed");
				void response.body?.cancel().catch(() => {});
				return fromCache(stale, "stale-if-error", { fwdStatus: response.status });
			}
			if (stale !== undefined && conditional !== undefined && response.status === 304) {
				const freshened = await applyNotModified(
					tier,
					stale,
					result,
					cacheControl,
					timers.now(),
					staleIfUnreachableSeconds,
				);
				if (freshened !== undefined) {
					writer?.release("filled");
					return fromCache(freshened, "revalidated", { fwdStatus: 304 });
				}
				// A 304 naming validators other than ours: ask again, unconditionally.
				writer?.release("failed");
				return fetchAndStore("stale", true);
			}
			const storing =
				writer !== undefined
					? store(result)
					: {
							clientBody: response.body,
							notStored: "not-writer",
							stored: Promise.resolve(undefined),
						};
			if (writer !== undefined) {
				if (storing.notStored !== undefined) writer.release("uncacheable");
				else
					keepRunning(
						c,
						storing.stored.then((r) => writer.release(r?.stored ? "filled" : "failed")),
					);
			}
			const phase: CachePhase = storing.notStored === undefined ? fwd : "uncacheable";
			const extra: CacheStatusParams = {
				fwdStatus: response.status,
				stored: storing.notStored === undefined,
				...(storing.notStored !== undefined && storing.notStored !== "not-writer"
					? { detail: storing.notStored }
					: {}),
			};
			const headers = new Headers(response.headers);
			// The client's validators and Range, if the forward went without them (or the
			// origin ignored them). Cancels are not awaited: a tee branch's cancel settles only
			// once the cache's branch is done.
			const stored = storing.notStored === undefined;
			const part = answerFromWhole(request, response.status, headers, stored);
			// A HEAD filled by a GET, a 304 and a 416 send none of the fill: the client's branch
			// is not read.
			if (request.method === "HEAD" || part.status === 304 || part.status === 416)
				void storing.clientBody?.cancel().catch(() => {});
			if (part.status === 304) {
				const notModified = notModifiedHeaders(headers);
				return respond.reply(request, hostLabel, null, 304, notModified, phase, extra);
			}
			if (part.status === 206 && storing.clientBody !== null) {
				headers.set("content-range", part.contentRange);
				headers.set("content-length", String(part.contentLength));
				const body = sliceStream(storing.clientBody, part.start, part.end);
				return respond.reply(request, hostLabel, body, 206, headers, phase, extra);
			}
			if (part.status === 416)
				return respond.unsatisfiable(request, hostLabel, part.contentRange, phase, extra);
			return respond.reply(
				request,
				hostLabel,
				storing.clientBody,
				response.status,
				headers,
				phase,
				extra,
			);
		};

		/** One background refresh per key for stale-while-revalidate (the lock keeps it to one). */
		const fetchRefresh = async (): Promise<void> => {
			const acquired = lock.acquire(primaryKey);
			if (acquired.role !== "writer") return;
			const result = await forward(
				request,
				target,
				"GET",
				withoutClientConditionals(request.headers),
			);
			if (!result.ok) {
				acquired.release("failed");
				return;
			}
			const storing = store(result);
			if (storing.clientBody !== null) void storing.clientBody.cancel().catch(() => {});
			const stored = await storing.stored;
			acquired.release(stored?.stored ? "filled" : "uncacheable");
		};

		/** What to do with what is stored: serve it (at once), or go forward. */
		const answer = (found: Lookup): Response | Promise<Response> => {
			if (found.kind === "found") {
				const decision = found.decision;
				if (decision.action === "serve") return fromCache(found, "hit");
				if (decision.action === "serve-stale") return fromCache(found, "stale-while-revalidate");
				if (decision.action === "serve-stale-while-revalidate") {
					keepRunning(c, fetchRefresh());
					return fromCache(found, "stale-while-revalidate");
				}
				if (cacheControl.onlyIfCached)
					return finish(plain(504, "only-if-cached: stored response is stale"), "stale");
				return fetchAndStore("stale", false, found);
			}
			// RFC 9111 §5.2.1.7: nothing usable stored and the client will not accept a forward.
			if (cacheControl.onlyIfCached)
				return finish(
					plain(504, "only-if-cached: nothing stored"),
					found.fwd === "vary-miss" ? "vary-miss" : "miss",
				);
			return fetchAndStore(found.fwd === "vary-miss" ? "vary-miss" : "miss", false);
		};

		if (cacheControl.noStore) return fetchAndStore("request", true);
		if (looked !== undefined) return answer(looked);
		return lookupNow().then(answer);
	};

	return {
		app,
		direct: (request) => {
			const url = request.url;
			return mayBeRouted(url) ? undefined : serve(request, url, undefined);
		},
	};
}

function releaseAll(pins: Pins): void {
	for (const pin of pins) pin.release();
}

function hasSyncLookup(tier: Storage): tier is Storage & Required<Pick<Storage, "lookupSync">> {
	return tier.lookupSync !== undefined;
}

/** The request minus the client's own validators: a cache fill wants the whole response. */
function withoutClientConditionals(headers: Headers): Headers {
	const out = new Headers(headers);
	for (const name of [
		"if-none-match",
		"if-modified-since",
		"if-match",
		"if-unmodified-since",
		"if-range",
		"range",
	]) {
		out.delete(name);
	}
	return out;
}
