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
import { type CachePhase, forwardedAnswer, type Kept } from "./http/cache-phase.ts";
import type { CacheStatusParams } from "./http/cache-status.ts";
import { headResponseFreshens } from "./http/head-freshening.ts";
import { urisToInvalidate } from "./http/invalidation.ts";
import { pathStart } from "./http/raw-path.ts";
import {
	DEFAULT_STALE_IF_UNREACHABLE_S,
	mayServeStaleOnError,
	mayServeStaleWhenUnreachable,
	requestForbidsFallback,
} from "./http/reuse.ts";
import type { CacheLock, WriterFailure } from "./lock/cache-lock.ts";
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
	partRequestOf,
	rangeRequestFor,
	StoredAnalysisCache,
} from "./proxy/cache-read.ts";
import { storeWhileStreaming } from "./proxy/cache-write.ts";
import { answerFromWhole, sliceStream } from "./proxy/fill-answer.ts";
import { outcomeOfCommit, outcomeOfSkip } from "./proxy/fill-outcome.ts";
import type { OriginFailureKind } from "./proxy/origin-failure.ts";
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
import {
	type ForwardTurn,
	forwardTurn,
	rangeTurnKey,
	type Turn,
	takeRangeTurn,
	takeTurn,
} from "./proxy/turn.ts";
import {
	ClientPurgeRequestSchema,
	type PurgeRequest,
	type Purger,
	purgeEverything,
	purger,
	purgeSelectors,
} from "./purge.ts";
import type { PurgeMark, Storage, TierStats } from "./store/storage.ts";

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

/** An origin answer, with the tier's purge mark from when the request went out. */
type ForwardResult =
	| (Extract<OriginResult, { ok: true }> & { readonly purgeMark: PurgeMark | undefined })
	| Extract<OriginResult, { ok: false }>;

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

export type ClientAddress = (request: Request, c: Context | undefined) => string | undefined;

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

/**
 * Cache-Status for an answer the edge made because the origin gave none: RFC 9211 reads a
 * `fwd` without `fwd-status` as the origin having answered with the response's own status,
 * so the detail says what happened instead ("origin-unreachable", "origin-timeout"...).
 */
function failureStatus(kind: OriginFailureKind): CacheStatusParams {
	return { detail: `origin-${kind}` };
}

/**
 * How a forward that got no usable answer ends its turn. An origin that sent something that
 * is not HTTP did answer, badly: an error, as a 5xx is, for which stale-if-error may serve a
 * stale copy; only one that gave no answer at all (refused, reset, timed out) is
 * "disconnected" (RFC 9111 §4.2.4), when the stale-if-unreachable rule applies.
 */
function writerFailureOf(kind: OriginFailureKind): "error" | "unreachable" {
	return kind === "invalid-response" ? "error" : "unreachable";
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
		const parsed = v.safeParse(ClientPurgeRequestSchema, body);
		if (!parsed.success) {
			// The field at fault when the shape was right (a tag too long, a relative URL), so
			// the client is not sent back to a shape it already has.
			const issue = parsed.issues[0];
			const field = v.getDotPath(issue);
			const fault = field === null ? "" : `${field}: ${issue.message}; `;
			return c.text(
				`${fault}body must be {"url": "<absolute URL>"}, {"tag": "<tag>"} or {"prefix": "<absolute URL>"}, with optional "soft": true\n`,
				400,
			);
		}
		const purged = await purge(parsed.output);
		return c.json({ purged, soft: parsed.output.soft === true });
	});

	// The namespace is the edge's own: a request under /_neuro that no route of the node
	// answers (a wrong method, a mistyped path) is refused, never proxied. It may carry the
	// admin token, which must not reach the origin, and the origin's answer to it would be
	// cached and served under the edge's own name.
	app.all(`${OWN_ROUTES_PREFIX}/*`, (c) =>
		c.text(
			`no route for ${c.req.method} ${c.req.path} in this edge's own ${OWN_ROUTES_PREFIX}/\n`,
			404,
		),
	);

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
		if (request.method !== "GET" && request.method !== "HEAD")
			return forwardUnsafe(request, target, c);
		const key = target.getKey;
		if (!key.ok) {
			// RFC 9110 §15.5.15: a target longer than we interpret is 414, other bad ones 400.
			const status = key.error.kind === "url-too-long" ? 414 : 400;
			const refused = plain(status, `bad request target: ${key.error.message}`);
			return respond.finish(request, hostLabel, refused, "bypass");
		}
		const cacheControl = parseRequestCacheControl(request.headers.get("cache-control"));
		if (goesForwardAtOnce(cacheControl) || syncTier === undefined)
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
			request.method,
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
		headers: Headers,
		clientSignal: AbortSignal | undefined,
		c: Context | undefined,
	): Promise<ForwardResult> => {
		const started = timers.now();
		// Before the request leaves: a purge while the origin is still answering must reach
		// the write its answer opens later (Storage.purgeMark).
		const purgeMark = tier.purgeMark?.();
		const result = await callOrigin(fetchOrigin, {
			url: target.originUrl,
			method,
			host: target.host,
			scheme: target.scheme,
			headers,
			body: request.body,
			timeoutMs: config.originTimeoutMs,
			timers,
			clientSignal,
			log: originLog,
			clientAddress: deps.clientAddress?.(request, c),
		});
		// By label, not by Host: hosts the default origin serves would each add a series.
		// The clock is the wall clock in production: a step back (NTP, an operator) during the
		// call would record a negative duration, pulling the histogram's sum down; none is 0.
		const seconds = Math.max(0, timers.now() - started) / 1000;
		originSeconds.observe({ pop: config.pop, host: target.hostLabel }, seconds);
		return result.ok ? { ...result, purgeMark } : result;
	};

	/** Forwards an unsafe method; a success invalidates what it may have changed (§4.4). */
	const forwardUnsafe = async (
		request: Request,
		target: RequestTarget,
		c: Context | undefined,
	): Promise<Response> => {
		const { hostLabel } = target;
		const result = await forward(
			request,
			target,
			request.method,
			request.headers,
			request.signal,
			c,
		);
		if (!result.ok)
			return respond.finish(
				request,
				hostLabel,
				plain(result.status, result.reason),
				"method",
				failureStatus(result.kind),
			);
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
		/**
		 * When this request first queued on a fill: a request that waited on the key and then
		 * waits on one range of it (the fill proved the whole too large) waits `readerWaitMs`
		 * in all, not twice that.
		 */
		let firstQueued: number | undefined;
		const waitingSince = () => {
			firstQueued ??= timers.now();
			return firstQueued;
		};
		const lookupNow = () =>
			lookupStored(
				tier,
				analysis,
				primaryKey,
				request.headers,
				cacheControl,
				timers.now(),
				pins,
				request.method,
			);
		/**
		 * Streams an origin answer to a GET into the tier (fills and background refreshes),
		 * its variant keyed by the fields the origin was sent: a client's may differ (one
		 * its Connection named is not sent), and the answer is to what was sent.
		 */
		const store = (result: Extract<ForwardResult, { ok: true }>) =>
			storeWhileStreaming(tier, {
				purgeMark: result.purgeMark,
				method: "GET",
				primaryKey,
				requestHeaders: result.sentHeaders,
				request: cacheControl,
				response: result.response,
				requestTimeMs: result.requestTimeMs,
				responseTimeMs: result.responseTimeMs,
				staleIfUnreachableSeconds,
			});

		const staleWhenUnreachable = (stale: Found) =>
			mayServeStaleWhenUnreachable(
				stale.directives,
				stale.lifetimeSeconds,
				stale.ageSeconds,
				staleIfUnreachableSeconds,
			).allowed;
		/** Applies a 304 to the stale copy it validated (a revalidation or a background refresh). */
		const freshen = (stale: Found, notModified: Extract<ForwardResult, { ok: true }>) =>
			applyNotModified(
				tier,
				stale,
				notModified,
				cacheControl,
				timers.now(),
				staleIfUnreachableSeconds,
			);
		const staleOnError = (stale: Found) =>
			mayServeStaleOnError(stale.directives, stale.lifetimeSeconds, stale.ageSeconds, cacheControl)
				.allowed;
		/** The stale answer an origin failure allows (RFC 5861 §4, RFC 9111 §4.2.4), if any. */
		const staleFallback = (stale: Found, failure: WriterFailure): CachePhase | undefined => {
			if (requestForbidsFallback(cacheControl)) return undefined;
			if (staleOnError(stale)) return "stale-if-error";
			if (failure === "unreachable" && staleWhenUnreachable(stale)) return "stale-if-unreachable";
			return undefined;
		};

		/**
		 * Goes to the origin once per storage key, concurrent misses waiting on it
		 * (proxy/turn.ts), and stores. `lockKey` is where the answer would be stored as far
		 * as the lookup knows: a stale response's own key, a known variant's, else the
		 * primary key. With a stale stored response it revalidates: a matching 304 freshens
		 * and serves it, and an origin failure serves it stale where that is allowed.
		 */
		const fetchAndStore = async (
			fwd: CachePhase,
			lockKey: string,
			stale?: Found,
		): Promise<Response> => {
			// A HEAD revalidating a stale entry goes through as a HEAD, alone: its 304 freshens
			// the entry, as does a 200 that agrees with it (§4.3.5); another 200 is passed on.
			// A HEAD that misses waits its turn like a GET (a writer fills with a GET, below).
			if (request.method === "HEAD" && stale !== undefined) return goForward(fwd, stale, undefined);
			const turn = await takeTurn(lock, lockKey, {
				signal: request.signal,
				waitingSince: waitingSince(),
				// A waiter with a stale copy it may serve takes the writer's failure and serves it,
				// rather than queue for, or go to, an origin that just failed.
				leaveOn: (failure) => stale !== undefined && staleFallback(stale, failure) !== undefined,
				lookup: lookupNow,
			});
			switch (turn.kind) {
				case "gone":
				case "collapsed":
					return answerOfWait(turn, fwd);
				case "fallback": {
					const phase = stale === undefined ? undefined : staleFallback(stale, turn.failure);
					if (stale !== undefined && phase !== undefined) return fromCache(stale, phase);
					// leaveOn takes a failure only with a fallback to serve: not reached.
					return originFailed(fwd);
				}
				case "forward": {
					// Waited on the URL, then went on for a variant the fill did not store.
					const label = turn.forVariant === true ? "vary-miss" : fwd;
					// Without the lock (a key remembered uncacheable, or a waiter sent on), a
					// Range or conditional request goes as the client sent it: a Range on a file
					// over the size gate would otherwise fetch the file whole each time. A GET's
					// Range keeps the turn: the origin's 206 is stored as the key's part, so the
					// next range inside it is a hit. The rest pass, storing nothing. One that also
					// carries validators goes alone: its answer may be its own (a 304, a 412, the
					// whole file for a stale If-Range), no answer for the range's queue, and that
					// queue's lock would remember a whole file over the gate as the range's.
					if (!turn.locked && stale === undefined && asksForPart(request.headers)) {
						const wanted = partRequestOf(request.method, request.headers);
						if (wanted === undefined) return goForward(label, undefined, undefined);
						return carriesValidators(request.headers)
							? goForward(label, undefined, turn, "as-sent")
							: forwardForPart(label, lockKey, wanted.range);
					}
					return goForward(label, stale, turn);
				}
			}
		};

		/**
		 * A GET's Range, without validators, on a key remembered uncacheable (a file over the
		 * size gate): it goes as sent and its 206 is stored as the key's part. Requests for
		 * the same range wait on the first (a video's players all start at the same offset),
		 * so a popular file costs the origin one request per range rather than one per
		 * viewer; the part it stores answers them. The key's own mark stays: a part says
		 * nothing of the whole.
		 */
		const forwardForPart = async (
			fwd: CachePhase,
			storageKey: string,
			range: string,
		): Promise<Response> => {
			const turn = await takeRangeTurn(lock, rangeTurnKey(storageKey, range), {
				signal: request.signal,
				waitingSince: waitingSince(),
				lookup: lookupNow,
			});
			switch (turn.kind) {
				case "gone":
				case "collapsed":
					return answerOfWait(turn, fwd);
				case "fallback":
					// Without leaveOn no waiter takes a failure: not reached.
					return originFailed(fwd);
				case "forward":
					return goForward(fwd, undefined, turn, "as-sent");
			}
		};

		/** A wait that ended without a forward: its client left, or a fill answers it. */
		const answerOfWait = (turn: Extract<Turn, { kind: "gone" | "collapsed" }>, fwd: CachePhase) =>
			turn.kind === "gone"
				? // Nothing reads this answer: it exists because the runtime wants one.
					finish(plain(499, "client closed the request"), "client-gone")
				: fromCache(turn.found, fwd, { collapsed: true });
		const originFailed = (fwd: CachePhase) =>
			respond.finish(request, hostLabel, plain(502, "origin failed"), fwd, {
				detail: "origin-failed",
			});

		/**
		 * One trip to the origin. With a `turn` and `fields` "as-sent", the client's own
		 * request (its Range above all), its answer stored if it may be (a 206 as the key's
		 * part). With a `turn`, a fill: a GET for the whole response (its own
		 * validators, or none), so that what comes back can be stored; the client's
		 * conditionals and Range stay between it and us, answered from that response
		 * (fill-answer.ts). That holds for a revalidation too: one that carried the client's
		 * Range got a 206 for a changed object, which cannot be stored. A HEAD that misses
		 * fills with a GET too, as Varnish does: the GETs and HEADs after it are hits, and its
		 * client still gets only the head (RFC 9110 §9.3.2). A turn without the lock fills for
		 * no one else: the client's method, a GET's answer stored if it may be. Without a
		 * turn, a pass: the client's method and fields, nothing stored.
		 */
		const goForward = async (
			fwd: CachePhase,
			stale: Found | undefined,
			turn: ForwardTurn | undefined,
			fields: "fill" | "as-sent" = "fill",
		): Promise<Response> => {
			const forwardHeaders = forwardedFields(request.headers, stale, turn, fields);
			const conditional =
				stale === undefined ? undefined : revalidationHeaders(forwardHeaders, stale);
			// Only a locked turn is a fill others wait on: it asks with a GET, even for a HEAD,
			// and goes on when its client leaves. Without the lock (a key remembered
			// uncacheable, a waiter sent on) no one waits on it: the client's method, and its
			// leaving stops the call. Such a GET may still store what it gets.
			const fillsForOthers = turn?.locked === true;
			const method = fillsForOthers ? "GET" : request.method;
			const clientSignal = fillsForOthers ? undefined : request.signal;
			const result = await forward(
				request,
				target,
				method,
				conditional ?? forwardHeaders,
				clientSignal,
				c,
			);
			if (!result.ok) {
				const failure = writerFailureOf(result.kind);
				turn?.done(failure);
				const phase = stale === undefined ? undefined : staleFallback(stale, failure);
				if (stale !== undefined && phase !== undefined) return fromCache(stale, phase);
				return respond.finish(
					request,
					hostLabel,
					plain(result.status, result.reason),
					fwd,
					failureStatus(result.kind),
				);
			}
			const { response } = result;
			if (stale !== undefined && response.status >= 500 && staleOnError(stale)) {
				turn?.done("error");
				void response.body?.cancel().catch(() => {});
				return fromCache(stale, "stale-if-error", { fwdStatus: response.status });
			}
			if (stale !== undefined && conditional !== undefined && response.status === 304) {
				const freshened = await freshen(stale, result);
				if (freshened !== undefined) {
					turn?.done("filled");
					return fromCache(freshened, "revalidated", { fwdStatus: 304 });
				}
				// A 304 naming validators other than ours: ask again, unconditionally, in this turn.
				return goForward("stale", undefined, turn);
			}
			// RFC 9111 §4.3.5: a HEAD's 200 that agrees with the stale entry freshens it as a 304 would.
			if (
				request.method === "HEAD" &&
				stale !== undefined &&
				response.status === 200 &&
				headResponseFreshens(response.headers, stale.headers, stale.body.byteLength)
			) {
				const freshened = await freshen(stale, result);
				if (freshened !== undefined) return fromCache(freshened, "revalidated", { fwdStatus: 200 });
			}
			// A pass stores nothing, nor does a HEAD's answer (it has no body); fwd says why.
			const { clientBody, kept } =
				turn === undefined || method !== "GET"
					? { clientBody: response.body, kept: { kept: false } as const }
					: fill(turn, result);
			const { phase, extra } = forwardedAnswer(fwd, response.status, kept);
			const headers = new Headers(response.headers);
			// The client's validators and Range, if the forward went without them (or the
			// origin ignored them). Cancels are not awaited: a tee branch's cancel settles only
			// once the cache's branch is done.
			const part = answerFromWhole(request, response.status, headers, kept.kept);
			// A HEAD filled by a GET, a 304 and a 416 send none of the fill: the client's branch
			// is not read.
			if (request.method === "HEAD" || part.status === 304 || part.status === 416)
				void clientBody?.cancel().catch(() => {});
			if (part.status === 304) {
				const notModified = notModifiedHeaders(headers);
				return respond.reply(request, hostLabel, null, 304, notModified, phase, extra);
			}
			if (part.status === 206 && clientBody !== null) {
				headers.set("content-range", part.contentRange);
				headers.set("content-length", String(part.contentLength));
				const body = sliceStream(clientBody, part.start, part.end);
				return respond.reply(request, hostLabel, body, 206, headers, phase, extra);
			}
			if (part.status === 416)
				return respond.unsatisfiable(request, hostLabel, part.contentRange, phase, extra);
			return respond.reply(request, hostLabel, clientBody, response.status, headers, phase, extra);
		};

		/**
		 * Streams a forward's answer into the tier, and tells the turn's waiters (or the
		 * lock's memory) how that went: at once when it is not stored, else when the fill is
		 * done. The client gets the origin's body, tee'd when it is being stored.
		 */
		const fill = (
			turn: ForwardTurn,
			result: Extract<ForwardResult, { ok: true }>,
		): { clientBody: ReadableStream<Uint8Array> | null; kept: Kept } => {
			const storing = store(result);
			if (storing.notStored !== undefined) {
				turn.done(outcomeOfSkip(result.response.status, storing.notStored));
				return { clientBody: storing.clientBody, kept: { kept: false, reason: storing.notStored } };
			}
			// A part stored tells the lock nothing about the key's complete response: on a key
			// remembered uncacheable (too large, say) "filled" would forget that, and the next
			// range outside the part would wait for a whole fill refused again.
			const part = result.response.status === 206 && !turn.locked;
			keepRunning(
				c,
				storing.stored.then((r) =>
					turn.done(r === undefined ? "failed" : part ? "not-stored" : outcomeOfCommit(r)),
				),
			);
			return { clientBody: storing.clientBody, kept: { kept: true } };
		};

		/**
		 * One background refresh per key for stale-while-revalidate: none while another
		 * request fills or refreshes the key (it never queues behind one, so it is never
		 * handed a lock), even a key known uncacheable (tryWrite). It asks with the stale
		 * copy's validators, so an unchanged object costs a 304; and an error leaves the
		 * stale copy stored (RFC 5861 §3 and §4: stale content is served rather than an error).
		 */
		const fetchRefresh = async (stale: Found): Promise<void> => {
			const key = stale.storageKey;
			const writer = lock.tryWrite(key);
			if (writer === undefined) return;
			const turn = forwardTurn(lock, key, writer);
			const headers = withoutClientConditionals(request.headers);
			// A part is refreshed as the range it holds: the whole may be too large to store.
			const held = stale.part === undefined ? undefined : rangeRequestFor(stale.headers);
			if (held !== undefined) headers.set("range", held);
			const result = await forward(
				request,
				target,
				"GET",
				revalidationHeaders(headers, stale) ?? headers,
				undefined,
				c,
			);
			if (!result.ok) return turn.done(writerFailureOf(result.kind));
			const { response } = result;
			if (response.status >= 500) {
				void response.body?.cancel().catch(() => {});
				return turn.done("error");
			}
			if (response.status === 304) {
				const freshened = await freshen(stale, result);
				// A 304 for validators other than ours tells nothing about the stored copy: it
				// stays, stale, and the next request past its window revalidates it.
				return turn.done(freshened === undefined ? "not-stored" : "filled");
			}
			// No client: the tier's branch of the fill reads on alone.
			void fill(turn, result)
				.clientBody?.cancel()
				.catch(() => {});
		};

		/** What to do with what is stored: serve it (at once), or go forward. */
		const answer = (found: Lookup): Response | Promise<Response> => {
			if (found.kind === "found") {
				const decision = found.decision;
				if (decision.action === "serve") return fromCache(found, "hit");
				if (decision.action === "serve-stale") return fromCache(found, "max-stale");
				if (decision.action === "serve-stale-while-revalidate") {
					// A no-store request's stale answer may not start a refresh: what it fetched would
					// be stored as the answer to this request (§5.2.1.5). Only only-if-cached brings
					// such a request here, and it takes nothing stale without that refresh.
					if (cacheControl.noStore)
						return finish(plain(504, "only-if-cached: stored response is stale"), "only-if-cached");
					keepRunning(c, fetchRefresh(found));
					return fromCache(found, "stale-while-revalidate");
				}
				if (cacheControl.onlyIfCached)
					return finish(plain(504, "only-if-cached: stored response is stale"), "only-if-cached");
				return fetchAndStore("stale", found.storageKey, found);
			}
			// RFC 9111 §5.2.1.7: nothing usable stored and the client will not accept a forward.
			if (cacheControl.onlyIfCached)
				return finish(plain(504, "only-if-cached: nothing stored"), "only-if-cached");
			if (found.fwd === "vary-miss") return fetchAndStore("vary-miss", found.storageKey);
			return fetchAndStore("miss", primaryKey);
		};

		// RFC 9111 §5.2.1.5: nothing of this exchange is stored, so it waits on no one.
		if (goesForwardAtOnce(cacheControl)) return goForward("request", undefined, undefined);
		if (looked !== undefined) return answer(looked);
		return lookupNow().then(answer);
	};

	return {
		app,
		purge,
		purgeEverything: purgeAll,
		direct: (request) => {
			const url = request.url;
			return mayBeRouted(url) ? undefined : serve(request, url, undefined);
		},
	};
}

/** The key prefix every key has: what forgetting all uncacheable marks names. */
const EVERY_KEY = Object.freeze({ prefix: "" });

function releaseAll(pins: Pins): void {
	for (const pin of pins) pin.release();
}

function hasSyncLookup(tier: Storage): tier is Storage & Required<Pick<Storage, "lookupSync">> {
	return tier.lookupSync !== undefined;
}

/**
 * A no-store request goes to the origin without a look at what is stored: nothing of its
 * exchange may be stored (RFC 9111 §5.2.1.5), so it neither fills nor waits on a fill.
 * Unless it also says only-if-cached, which forbids going forward at all (§5.2.1.7): a
 * stored response may still answer it (§5.2.1.5: no-store "does not apply to the already
 * stored response"), and without one usable the answer is 504.
 */
function goesForwardAtOnce(cacheControl: RequestCacheControl): boolean {
	return cacheControl.noStore && !cacheControl.onlyIfCached;
}

/** The fields by which a client asks for less than the whole response, or for it only if. */
const CLIENT_CONDITIONALS = [
	"if-none-match",
	"if-modified-since",
	"if-match",
	"if-unmodified-since",
	"if-range",
	"range",
] as const;

/** The request minus the client's own validators: a cache fill wants the whole response. */
function withoutClientConditionals(headers: Headers, kept: readonly string[] = NO_FIELDS): Headers {
	const out = new Headers(headers);
	for (const name of CLIENT_CONDITIONALS) if (!kept.includes(name)) out.delete(name);
	return out;
}

const NO_FIELDS: readonly string[] = Object.freeze([]);
/** What a stale part's revalidation keeps of the client's fields (see forwardedFields). */
const RANGE_FIELDS: readonly string[] = Object.freeze(["range", "if-range"]);

/**
 * The client's fields as a forward sends them (revalidation validators are added after).
 * A pass (no turn) and an "as-sent" turn: as the client sent them. A fill: without the
 * client's conditionals and Range, so the whole response comes back to be stored. Except a
 * fill revalidating a stored part, which keeps Range and If-Range (If-Range matched the part
 * to find it): a part is kept because the whole may be too large to fetch, and the 304 that
 * freshens it, or the 206 that replaces it, answers the client's range.
 */
function forwardedFields(
	headers: Headers,
	stale: Found | undefined,
	turn: ForwardTurn | undefined,
	fields: "fill" | "as-sent",
): Headers {
	if (turn === undefined || fields === "as-sent") return headers;
	return withoutClientConditionals(headers, stale?.part === undefined ? NO_FIELDS : RANGE_FIELDS);
}

/** A Range, or any of the client's validators (CLIENT_CONDITIONALS). */
function asksForPart(headers: Headers): boolean {
	return headers.has("range") || carriesValidators(headers);
}

/** The client's conditionals besides Range: If-None-Match, If-Range and the rest. */
function carriesValidators(headers: Headers): boolean {
	return CLIENT_CONDITIONALS.some((name) => name !== "range" && headers.has(name));
}
