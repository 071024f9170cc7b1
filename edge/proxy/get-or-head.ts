/**
 * A GET or HEAD that is not a fresh hit from a synchronous tier (the edge serves those
 * before coming here, app.ts): looks up what is stored (unless the caller already did),
 * then serves it, serves it stale, revalidates it, or goes to the origin, one coalesced
 * fill per key (turn.ts) whose body streams to the client while it fills the tier.
 */
import type { Context } from "hono";
import type { RequestCacheControl } from "../http/cache-control.ts";
import { type CachePhase, forwardedAnswer, type Kept } from "../http/cache-phase.ts";
import type { CacheStatusParams } from "../http/cache-status.ts";
import { headResponseFreshens } from "../http/head-freshening.ts";
import {
	mayServeStaleOnError,
	mayServeStaleWhenUnreachable,
	requestForbidsFallback,
} from "../http/reuse.ts";
import type { WriterFailure } from "../lock/cache-lock.ts";
import type { Timers } from "../lock/timers.ts";
import type { Storage } from "../store/storage.ts";
import { keepRunning } from "./background.ts";
import {
	type Found,
	type Lookup,
	lookupComplete,
	lookupStored,
	type Pins,
	partRequestOf,
	rangeRequestFor,
	type StoredAnalysisCache,
} from "./cache-read.ts";
import { storeWhileStreaming } from "./cache-write.ts";
import type { FillWatch } from "./fill.ts";
import { answerFromWhole, sliceStream } from "./fill-answer.ts";
import type { FillFeed, FillHead } from "./fill-feed.ts";
import { type Following, followingOf, watchLockedFill } from "./fill-follower.ts";
import { outcomeOfCommit, outcomeOfSkip } from "./fill-outcome.ts";
import { type Forward, type ForwardAnswer, failureStatus, writerFailureOf } from "./forward.ts";
import {
	asksForPart,
	carriesValidators,
	forwardedFields,
	goesForwardAtOnce,
	withoutClientConditionals,
} from "./forwarded-fields.ts";
import type { RequestTarget } from "./request-target.ts";
import { notModifiedHeaders, plain, type Responder } from "./respond.ts";
import { applyNotModified, revalidationHeaders } from "./revalidate.ts";
import {
	offerHeaders,
	responseFromSibling,
	siblingSelected,
	siblingsToOffer,
} from "./sibling-variants.ts";
import {
	type EdgeLock,
	type ForwardTurn,
	forwardTurn,
	rangeTurnKey,
	type Turn,
	takeRangeTurn,
	takeTurn,
} from "./turn.ts";

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

/**
 * Serves `get`, from `looked` when the caller already looked up what is stored (the
 * synchronous path found something it could not serve at once), else after a lookup.
 */
export function serveGetOrHead(
	deps: GetOrHeadDeps,
	get: GetOrHead,
	looked: Lookup | undefined,
): Response | Promise<Response> {
	const { tier, lock, timers, respond, analysis, forward, staleIfUnreachableSeconds } = deps;
	const { request, c, target, primaryKey, cacheControl, pins } = get;
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
	const store = (result: ForwardAnswer, watch?: (head: FillHead | undefined) => FillWatch) =>
		storeWhileStreaming(tier, {
			watch,
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

	/**
	 * How this request takes the fill it follows (fill-follower.ts): set when it accepts
	 * one (the lock then hands the feed over at once), read when the turn says so.
	 */
	let following: Following | undefined;
	const acceptsFeed = (feed: unknown): boolean => {
		following = followingOf(feed, request, cacheControl, timers.now());
		return following !== undefined;
	};

	const staleWhenUnreachable = (stale: Found) =>
		mayServeStaleWhenUnreachable(
			stale.directives,
			stale.lifetimeSeconds,
			stale.ageSeconds,
			staleIfUnreachableSeconds,
		).allowed;
	/** Applies a 304 to the stale copy it validated (a revalidation or a background refresh). */
	const freshen = (stale: Found, notModified: ForwardAnswer) =>
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
		siblings: readonly string[] = [],
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
			acceptsFeed,
			lookup: lookupNow,
		});
		switch (turn.kind) {
			case "gone":
			case "collapsed":
				return answerOfWait(turn, fwd);
			case "follow":
				return followFill(turn.feed, fwd);
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
				if (stale === undefined && siblings.length > 0)
					return forwardOfferingSiblings(label, turn, siblings);
				return goForward(label, stale, turn);
			}
		}
	};

	/**
	 * A fill for a variant the cache lacks, offering the origin the tags of the URL's other
	 * variants it holds (sibling-variants.ts): a 304 naming one answers with it, as the
	 * origin's whole response would (the client's Range and conditionals are answered from it).
	 */
	const forwardOfferingSiblings = async (
		fwd: CachePhase,
		turn: ForwardTurn,
		siblings: readonly string[],
	): Promise<Response> => {
		const found = await lookupComplete(tier, analysis, siblings, cacheControl, timers.now(), pins);
		const offered = siblingsToOffer(found, request.headers);
		return goForward(fwd, undefined, turn, "fill", offered.length === 0 ? undefined : offered);
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
			case "follow":
			case "fallback":
				// Without acceptsFeed no waiter follows a fill, and without leaveOn none takes a
				// failure: not reached.
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
	/** A fill another request is storing answers this one as its body arrives. */
	const followFill = (feed: FillFeed, fwd: CachePhase): Response | Promise<Response> => {
		// The lock hands a feed only to a request that accepted it, just now: not reached.
		if (following === undefined) return goForward(fwd, undefined, undefined);
		const { found, seat } = following;
		let reading = false;
		const follow = () => {
			reading = true;
			return seat.body();
		};
		const collapsed = { collapsed: true } as const;
		const length = feed.head.length;
		const answer = respond.fromFill(request, hostLabel, found, follow, length, fwd, collapsed);
		// A 304, a HEAD or a 416 reads nothing of the fill: its seat must not hold chunks.
		if (!reading) seat.leave();
		return answer;
	};
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
	 * turn, a pass: the client's method and fields, nothing stored. `offered`: a fill's
	 * stored siblings, whose tags it sends (forwardOfferingSiblings).
	 */
	const goForward = async (
		fwd: CachePhase,
		stale: Found | undefined,
		turn: ForwardTurn | undefined,
		fields: "fill" | "as-sent" = "fill",
		offered?: readonly Found[],
	): Promise<Response> => {
		const forwardHeaders = forwardedFields(request.headers, stale, turn, fields);
		const conditional =
			stale !== undefined
				? revalidationHeaders(forwardHeaders, stale)
				: offered !== undefined
					? offerHeaders(forwardHeaders, offered)
					: undefined;
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
		if (offered !== undefined && result.response.status === 304) {
			const sibling = siblingSelected(result.response.headers, offered);
			// A 304 naming none of them: ask again, unconditionally, in this turn.
			if (sibling === undefined) return goForward(fwd, undefined, turn);
			// §4.3.4: the selected response takes the 304's fields where it is stored too.
			await freshen(sibling, result);
			const fromSibling = responseFromSibling(sibling, result.response.headers);
			return answerForwarded(fwd, turn, { ...result, response: fromSibling }, 304);
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
		return answerForwarded(fwd, turn, result, response.status, method);
	};

	/**
	 * The client's answer from the origin's `result` to a forward for `fwd`, stored on the
	 * way when the forward fills (a GET with a turn). `fwdStatus`: what the origin sent (a
	 * 304 that selected a stored sibling answers with that sibling's 200).
	 */
	const answerForwarded = (
		fwd: CachePhase,
		turn: ForwardTurn | undefined,
		result: ForwardAnswer,
		fwdStatus: number,
		method = "GET",
	): Response => {
		const { response } = result;
		// A pass stores nothing, nor does a HEAD's answer (it has no body); fwd says why.
		const { clientBody, kept } =
			turn === undefined || method !== "GET"
				? { clientBody: response.body, kept: { kept: false } as const }
				: fill(turn, result);
		const { phase, extra } = forwardedAnswer(fwd, fwdStatus, kept);
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
		result: ForwardAnswer,
	): { clientBody: ReadableStream<Uint8Array> | null; kept: Kept } => {
		// The feed others follow, when this fill shares one: sealed once the turn is over.
		let shared: FillFeed | undefined;
		const watch = (head: FillHead | undefined) => {
			const watching = watchLockedFill(turn, head);
			shared = watching.feed;
			return watching.watch;
		};
		const storing = store(result, turn.locked ? watch : undefined);
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
			storing.stored.then((r) => {
				turn.done(r === undefined ? "failed" : part ? "not-stored" : outcomeOfCommit(r));
				shared?.seal();
			}),
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
		if (found.fwd === "vary-miss")
			return fetchAndStore("vary-miss", found.storageKey, undefined, found.siblings);
		return fetchAndStore("miss", primaryKey);
	};

	// RFC 9111 §5.2.1.5: nothing of this exchange is stored, so it waits on no one.
	if (goesForwardAtOnce(cacheControl)) return goForward("request", undefined, undefined);
	if (looked !== undefined) return answer(looked);
	return lookupNow().then(answer);
}
