/**
 * One GET or HEAD the edge could not answer at once, as every step of serving it sees it:
 * the request and what the edge shares (tier, lock, origin), and the small rules those
 * steps share (answering from the cache, freshening with a 304, which stale fallback an
 * origin failure allows). get-or-head.ts takes the request's turn on its key; the forward
 * half (forward-exchange.ts) goes to the origin and stores the answer.
 */
import type { Context } from "hono";
import type { RequestCacheControl } from "../http/cache-control.ts";
import type { CachePhase } from "../http/cache-phase.ts";
import type { CacheStatusParams } from "../http/cache-status.ts";
import {
	mayServeStaleOnError,
	mayServeStaleWhenUnreachable,
	requestForbidsFallback,
} from "../http/reuse.ts";
import type { WriterFailure } from "../lock/cache-lock.ts";
import type { Timers } from "../lock/timers.ts";
import type { Storage } from "../store/storage.ts";
import {
	type Found,
	type Lookup,
	lookupStored,
	type Pins,
	type StoredAnalysisCache,
} from "./cache-read.ts";
import { type StoreOutcome, storeWhileStreaming } from "./cache-write.ts";
import type { FillWatch } from "./fill.ts";
import type { FillHead } from "./fill-feed.ts";
import { type Following, followingOf } from "./fill-follower.ts";
import type { Forward, ForwardAnswer } from "./forward.ts";
import type { RequestTarget } from "./request-target.ts";
import { plain, type Responder } from "./respond.ts";
import { applyNotModified } from "./revalidate.ts";
import type { EdgeLock } from "./turn.ts";

/** What the edge shares with every GET and HEAD it cannot answer at once. */
export interface GetOrHeadDeps {
	readonly tier: Storage;
	readonly lock: EdgeLock;
	readonly timers: Timers;
	readonly respond: Responder;
	readonly analysis: StoredAnalysisCache;
	readonly forward: Forward;
	/** How long past its freshness a copy may serve while the origin is unreachable (§4.2.4). */
	readonly staleIfUnreachableSeconds: number;
}

/** One GET or HEAD: the request, its route and cache key, and where its pins go. */
export interface GetOrHead {
	readonly request: Request;
	/** The runtime's ExecutionContext (keepRunning), if any; undefined: none. */
	readonly c: Context | undefined;
	readonly target: RequestTarget;
	readonly primaryKey: string;
	readonly cacheControl: RequestCacheControl;
	/** The tier's pins on what this request reads, released once its Response is built. */
	readonly pins: Pins;
}

export class Exchange {
	readonly request: Request;
	readonly cacheControl: RequestCacheControl;
	/**
	 * When this request first queued on a fill: a request that waited on the key and then
	 * waits on one range of it (the fill proved the whole too large) waits `readerWaitMs`
	 * in all, not twice that.
	 */
	#firstQueued: number | undefined;
	/**
	 * How this request takes the fill it follows (fill-follower.ts): set when it accepts
	 * one (the lock then hands the feed over at once), read when the turn says so.
	 */
	following: Following | undefined;

	constructor(
		readonly deps: GetOrHeadDeps,
		readonly get: GetOrHead,
	) {
		this.request = get.request;
		this.cacheControl = get.cacheControl;
	}

	fromCache(found: Found, phase: CachePhase, extra?: CacheStatusParams): Response {
		return this.deps.respond.fromCache(
			this.request,
			this.get.target.hostLabel,
			found,
			phase,
			extra,
		);
	}

	finish(response: Response, phase: CachePhase): Response {
		return this.deps.respond.finish(this.request, this.get.target.hostLabel, response, phase);
	}

	originFailed(fwd: CachePhase): Response {
		return this.deps.respond.finish(
			this.request,
			this.get.target.hostLabel,
			plain(502, "origin failed"),
			fwd,
			{ detail: "origin-failed" },
		);
	}

	waitingSince(): number {
		this.#firstQueued ??= this.deps.timers.now();
		return this.#firstQueued;
	}

	/** The turn's acceptsFeed: takes the feed when this request can follow that fill. */
	readonly acceptsFeed = (feed: unknown): boolean => {
		this.following = followingOf(feed, this.request, this.cacheControl, this.deps.timers.now());
		return this.following !== undefined;
	};

	readonly lookupNow = (): Promise<Lookup> => {
		const { tier, analysis, timers } = this.deps;
		const { primaryKey, cacheControl, pins } = this.get;
		const { request } = this;
		return lookupStored(
			tier,
			analysis,
			primaryKey,
			request.headers,
			cacheControl,
			timers.now(),
			pins,
			request.method,
		);
	};

	/**
	 * Streams an origin answer to a GET into the tier (fills and background refreshes),
	 * its variant keyed by the fields the origin was sent: a client's may differ (one
	 * its Connection named is not sent), and the answer is to what was sent.
	 */
	store(result: ForwardAnswer, watch?: (head: FillHead | undefined) => FillWatch): StoreOutcome {
		return storeWhileStreaming(this.deps.tier, {
			watch,
			purgeMark: result.purgeMark,
			method: "GET",
			primaryKey: this.get.primaryKey,
			requestHeaders: result.sentHeaders,
			request: this.cacheControl,
			response: result.response,
			requestTimeMs: result.requestTimeMs,
			responseTimeMs: result.responseTimeMs,
			staleIfUnreachableSeconds: this.deps.staleIfUnreachableSeconds,
		});
	}

	/** Applies a 304 to the stale copy it validated (a revalidation or a background refresh). */
	freshen(stale: Found, notModified: ForwardAnswer): Promise<Found | undefined> {
		const { tier, timers, staleIfUnreachableSeconds } = this.deps;
		return applyNotModified(
			tier,
			stale,
			notModified,
			this.cacheControl,
			timers.now(),
			staleIfUnreachableSeconds,
		);
	}

	staleOnError(stale: Found): boolean {
		return mayServeStaleOnError(
			stale.directives,
			stale.lifetimeSeconds,
			stale.ageSeconds,
			this.cacheControl,
		).allowed;
	}

	/** The stale answer an origin failure allows (RFC 5861 §4, RFC 9111 §4.2.4), if any. */
	staleFallback(stale: Found, failure: WriterFailure): CachePhase | undefined {
		if (requestForbidsFallback(this.cacheControl)) return undefined;
		if (this.staleOnError(stale)) return "stale-if-error";
		if (failure === "unreachable" && this.#staleWhenUnreachable(stale))
			return "stale-if-unreachable";
		return undefined;
	}

	#staleWhenUnreachable(stale: Found): boolean {
		return mayServeStaleWhenUnreachable(
			stale.directives,
			stale.lifetimeSeconds,
			stale.ageSeconds,
			this.deps.staleIfUnreachableSeconds,
		).allowed;
	}
}
