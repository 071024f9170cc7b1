/**
 * A GET or HEAD that is not a fresh hit from a synchronous tier (the edge serves those
 * before coming here, app.ts): looks up what is stored (unless the caller already did),
 * then serves it, serves it stale, revalidates it, or takes its turn on the key to go to
 * the origin, one coalesced fill per key (turn.ts), whose body streams to the client while
 * it fills the tier (forward-exchange.ts).
 */
import type { CachePhase } from "../http/cache-phase.ts";
import { keepRunning } from "./background.ts";
import { type Found, type Lookup, lookupComplete, partRequestOf } from "./cache-read.ts";
import { Exchange, type GetOrHead, type GetOrHeadDeps } from "./exchange.ts";
import type { FillFeed } from "./fill-feed.ts";
import { fetchRefresh, goForward } from "./forward-exchange.ts";
import { asksForPart, carriesValidators, goesForwardAtOnce } from "./forwarded-fields.ts";
import { plain } from "./respond.ts";
import { siblingsToOffer } from "./sibling-variants.ts";
import { type ForwardTurn, rangeTurnKey, type Turn, takeRangeTurn, takeTurn } from "./turn.ts";

export type { GetOrHead, GetOrHeadDeps } from "./exchange.ts";

/**
 * Serves `get`, from `looked` when the caller already looked up what is stored (the
 * synchronous path found something it could not serve at once), else after a lookup.
 */
export function serveGetOrHead(
	deps: GetOrHeadDeps,
	get: GetOrHead,
	looked: Lookup | undefined,
): Response | Promise<Response> {
	const x = new Exchange(deps, get);
	const { tier, lock, timers, respond, analysis } = deps;
	const { request, c, primaryKey, cacheControl, pins } = get;
	const { hostLabel } = get.target;

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
		if (request.method === "HEAD" && stale !== undefined)
			return goForward(x, fwd, stale, undefined);
		const turn = await takeTurn(lock, lockKey, {
			signal: request.signal,
			waitingSince: x.waitingSince(),
			// A waiter with a stale copy it may serve takes the writer's failure and serves it,
			// rather than queue for, or go to, an origin that just failed.
			leaveOn: (failure) => stale !== undefined && x.staleFallback(stale, failure) !== undefined,
			acceptsFeed: x.acceptsFeed,
			lookup: x.lookupNow,
		});
		switch (turn.kind) {
			case "gone":
			case "collapsed":
				return answerOfWait(turn, fwd);
			case "follow":
				return followFill(turn.feed, fwd);
			case "fallback": {
				const phase = stale === undefined ? undefined : x.staleFallback(stale, turn.failure);
				if (stale !== undefined && phase !== undefined) return x.fromCache(stale, phase);
				// leaveOn takes a failure only with a fallback to serve: not reached.
				return x.originFailed(fwd);
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
					if (wanted === undefined) return goForward(x, label, undefined, undefined);
					return carriesValidators(request.headers)
						? goForward(x, label, undefined, turn, "as-sent")
						: forwardForPart(label, lockKey, wanted.range);
				}
				if (stale === undefined && siblings.length > 0)
					return forwardOfferingSiblings(label, turn, siblings);
				return goForward(x, label, stale, turn);
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
		return goForward(x, fwd, undefined, turn, "fill", offered.length === 0 ? undefined : offered);
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
			waitingSince: x.waitingSince(),
			lookup: x.lookupNow,
		});
		switch (turn.kind) {
			case "gone":
			case "collapsed":
				return answerOfWait(turn, fwd);
			case "follow":
			case "fallback":
				// Without acceptsFeed no waiter follows a fill, and without leaveOn none takes a
				// failure: not reached.
				return x.originFailed(fwd);
			case "forward":
				return goForward(x, fwd, undefined, turn, "as-sent");
		}
	};

	/** A wait that ended without a forward: its client left, or a fill answers it. */
	const answerOfWait = (turn: Extract<Turn, { kind: "gone" | "collapsed" }>, fwd: CachePhase) =>
		turn.kind === "gone"
			? // Nothing reads this answer: it exists because the runtime wants one.
				x.finish(plain(499, "client closed the request"), "client-gone")
			: x.fromCache(turn.found, fwd, { collapsed: true });
	/** A fill another request is storing answers this one as its body arrives. */
	const followFill = (feed: FillFeed, fwd: CachePhase): Response | Promise<Response> => {
		// The lock hands a feed only to a request that accepted it, just now: not reached.
		if (x.following === undefined) return goForward(x, fwd, undefined, undefined);
		const { found, seat } = x.following;
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
	/** What to do with what is stored: serve it (at once), or go forward. */
	const answer = (found: Lookup): Response | Promise<Response> => {
		if (found.kind === "found") {
			const decision = found.decision;
			if (decision.action === "serve") return x.fromCache(found, "hit");
			if (decision.action === "serve-stale") return x.fromCache(found, "max-stale");
			if (decision.action === "serve-stale-while-revalidate") {
				// A no-store request's stale answer may not start a refresh: what it fetched would
				// be stored as the answer to this request (§5.2.1.5). Only only-if-cached brings
				// such a request here, and it takes nothing stale without that refresh.
				if (cacheControl.noStore)
					return x.finish(plain(504, "only-if-cached: stored response is stale"), "only-if-cached");
				keepRunning(c, fetchRefresh(x, found));
				return x.fromCache(found, "stale-while-revalidate");
			}
			if (cacheControl.onlyIfCached)
				return x.finish(plain(504, "only-if-cached: stored response is stale"), "only-if-cached");
			return fetchAndStore("stale", found.storageKey, found);
		}
		// RFC 9111 §5.2.1.7: nothing usable stored and the client will not accept a forward.
		if (cacheControl.onlyIfCached)
			return x.finish(plain(504, "only-if-cached: nothing stored"), "only-if-cached");
		if (found.fwd === "vary-miss")
			return fetchAndStore("vary-miss", found.storageKey, undefined, found.siblings);
		return fetchAndStore("miss", primaryKey);
	};

	// RFC 9111 §5.2.1.5: nothing of this exchange is stored, so it waits on no one.
	if (goesForwardAtOnce(cacheControl)) return goForward(x, "request", undefined, undefined);
	if (looked !== undefined) return answer(looked);
	return x.lookupNow().then(answer);
}
