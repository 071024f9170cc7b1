/**
 * The proxy's side of following a fill (fill-feed.ts): which requests may follow a shared
 * fill, and what a locked fill's body is watched by so that others can.
 */
import type { RequestCacheControl } from "../http/cache-control.ts";
import { variantKey } from "../http/vary.ts";
import { type AnalyzedResponse, analyzeStored, assessStored, type Found } from "./cache-read.ts";
import type { FillWatch } from "./fill.ts";
import { FillFeed, type FillHead, type FillSeat, FOLLOWED_FROM_BYTES } from "./fill-feed.ts";
import type { ForwardTurn } from "./turn.ts";

/** A request that follows a fill: the head's assessment for it, and its seat in the feed. */
export interface Following {
	readonly found: Found;
	readonly seat: FillSeat;
}

/**
 * How `request` would follow `feed`, or undefined when it may not: it must ask for the
 * variant the fill stores, the head's freshness must let it serve this request as it is
 * (decideReuse, the test a stored copy passes after the fill), and no purge may have
 * reached the fill. A Range may follow: its part is cut from the body as it passes. Takes
 * the seat when it may, so call it only where the answer is acted on (the lock's
 * acceptsFeed, which hands the feed over at once).
 */
export function followingOf(
	feed: unknown,
	request: Request,
	cacheControl: RequestCacheControl,
	nowMs: number,
): Following | undefined {
	if (!(feed instanceof FillFeed)) return undefined;
	const { head } = feed;
	if (head.overtaken()) return undefined;
	if (variantKey(head.vary, request.headers) !== head.variant) return undefined;
	const found = assessStored(head.storageKey, analyzedHead(feed), NO_BODY_YET, cacheControl, nowMs);
	if (found.decision.action !== "serve") return undefined;
	const seat = feed.join();
	return seat === undefined ? undefined : { found, seat };
}

/**
 * What watches a locked fill's body besides the tier: the lock, whose writer does not
 * expire while chunks arrive, and, when others may follow it (a `head`, of a large body),
 * a FillFeed shared with the requests waiting on the turn.
 */
export function watchLockedFill(
	turn: ForwardTurn,
	head: FillHead | undefined,
): { readonly watch: FillWatch; readonly feed: FillFeed | undefined } {
	const feed =
		head === undefined || head.length < FOLLOWED_FROM_BYTES ? undefined : new FillFeed(head);
	if (feed !== undefined) turn.share(feed);
	const watch: FillWatch = {
		follows: feed !== undefined,
		chunk: (chunk, heldSoFar) => {
			turn.progress();
			feed?.push(chunk, heldSoFar);
		},
		end: () => feed?.end(),
		fail: (reason) => feed?.fail(reason),
	};
	return { watch, feed };
}

/** A follower's assessment of a fill's head: no body is there yet, and none is read from it. */
const NO_BODY_YET = new Uint8Array(0);

/** Each fill's head, analyzed once for all who may follow it. */
const analyzedHeads = new WeakMap<FillFeed, AnalyzedResponse>();

function analyzedHead(feed: FillFeed): AnalyzedResponse {
	let analyzed = analyzedHeads.get(feed);
	if (analyzed === undefined) {
		analyzed = analyzeStored(feed.head.stored);
		analyzedHeads.set(feed, analyzed);
	}
	return analyzed;
}
