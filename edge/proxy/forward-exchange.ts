/**
 * The forward half of serving a GET or HEAD (get-or-head.ts takes its turn): one trip to
 * the origin, the client's answer from what comes back, the fill that stores it on the
 * way, and stale-while-revalidate's background refresh.
 */
import { type CachePhase, forwardedAnswer, type Kept } from "../http/cache-phase.ts";
import { headResponseFreshens } from "../http/head-freshening.ts";
import { keepRunning } from "./background.ts";
import { type Found, rangeRequestFor } from "./cache-read.ts";
import type { Exchange } from "./exchange.ts";
import { answerFromWhole, sliceStream } from "./fill-answer.ts";
import type { FillFeed, FillHead } from "./fill-feed.ts";
import { watchLockedFill } from "./fill-follower.ts";
import { outcomeOfCommit, outcomeOfSkip } from "./fill-outcome.ts";
import {
	type ForwardAnswer,
	type ForwardResult,
	failureStatus,
	writerFailureOf,
} from "./forward.ts";
import { forwardedFields, withoutClientConditionals } from "./forwarded-fields.ts";
import { notModifiedHeaders, plain } from "./respond.ts";
import { revalidationHeaders } from "./revalidate.ts";
import { offerHeaders, responseFromSibling, siblingSelected } from "./sibling-variants.ts";
import { type ForwardTurn, forwardTurn } from "./turn.ts";

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
 * stored siblings, whose tags it sends (forwardOfferingSiblings in get-or-head.ts).
 */
export async function goForward(
	x: Exchange,
	fwd: CachePhase,
	stale: Found | undefined,
	turn: ForwardTurn | undefined,
	fields: "fill" | "as-sent" = "fill",
	offered?: readonly Found[],
): Promise<Response> {
	const { request } = x;
	const { forward } = x.deps;
	const { target, c } = x.get;
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
	if (!result.ok) return answerOriginFailure(x, fwd, stale, turn, result);
	if (offered !== undefined && result.response.status === 304)
		return answerSiblingSelected(x, fwd, turn, result, offered);
	if (stale !== undefined) {
		const fromStale = await answerFromStale(x, stale, turn, result, conditional !== undefined);
		if (fromStale !== undefined) return fromStale;
	}
	return answerForwarded(x, fwd, turn, result, result.response.status, method);
}

/** The origin did not answer (error, timeout): stale if it may serve, else a 502/504. */
function answerOriginFailure(
	x: Exchange,
	fwd: CachePhase,
	stale: Found | undefined,
	turn: ForwardTurn | undefined,
	result: Extract<ForwardResult, { ok: false }>,
): Response {
	const failure = writerFailureOf(result.kind);
	turn?.done(failure);
	const phase = stale === undefined ? undefined : x.staleFallback(stale, failure);
	if (stale !== undefined && phase !== undefined) return x.fromCache(stale, phase);
	return x.deps.respond.finish(
		x.request,
		x.get.target.hostLabel,
		plain(result.status, result.reason),
		fwd,
		failureStatus(result.kind),
	);
}

/**
 * A 304 to a fill that offered its stored siblings' tags: the sibling it names is the
 * answer, freshened with the 304's fields (§4.3.4) where it is stored too. A 304 naming
 * none of them: ask again, unconditionally, in this turn.
 */
async function answerSiblingSelected(
	x: Exchange,
	fwd: CachePhase,
	turn: ForwardTurn | undefined,
	result: ForwardAnswer,
	offered: readonly Found[],
): Promise<Response> {
	const sibling = siblingSelected(result.response.headers, offered);
	if (sibling === undefined) return goForward(x, fwd, undefined, turn);
	await x.freshen(sibling, result);
	const fromSibling = responseFromSibling(sibling, result.response.headers);
	return answerForwarded(x, fwd, turn, { ...result, response: fromSibling }, 304);
}

/**
 * What the origin's answer to a revalidation of `stale` lets the cache serve from it:
 * stale-if-error on a 5xx; the freshened object on a 304 to our validators (a 304 naming
 * others asks again, unconditionally, in this turn); for a HEAD, a 200 that agrees with
 * the stored object (§4.3.5). Undefined: the answer goes to the client as forwarded.
 */
async function answerFromStale(
	x: Exchange,
	stale: Found,
	turn: ForwardTurn | undefined,
	result: ForwardAnswer,
	conditional: boolean,
): Promise<Response | undefined> {
	const { response } = result;
	if (response.status >= 500 && x.staleOnError(stale)) {
		turn?.done("error");
		void response.body?.cancel().catch(() => {});
		return x.fromCache(stale, "stale-if-error", { fwdStatus: response.status });
	}
	if (conditional && response.status === 304) {
		const freshened = await x.freshen(stale, result);
		if (freshened === undefined) return goForward(x, "stale", undefined, turn);
		turn?.done("filled");
		return x.fromCache(freshened, "revalidated", { fwdStatus: 304 });
	}
	if (
		x.request.method === "HEAD" &&
		response.status === 200 &&
		headResponseFreshens(response.headers, stale.headers, stale.body.byteLength)
	) {
		const freshened = await x.freshen(stale, result);
		if (freshened !== undefined) return x.fromCache(freshened, "revalidated", { fwdStatus: 200 });
	}
	return undefined;
}

/**
 * The client's answer from the origin's `result` to a forward for `fwd`, stored on the
 * way when the forward fills (a GET with a turn). `fwdStatus`: what the origin sent (a
 * 304 that selected a stored sibling answers with that sibling's 200).
 */
function answerForwarded(
	x: Exchange,
	fwd: CachePhase,
	turn: ForwardTurn | undefined,
	result: ForwardAnswer,
	fwdStatus: number,
	method = "GET",
): Response {
	const { request } = x;
	const { respond } = x.deps;
	const { hostLabel } = x.get.target;
	const { response } = result;
	// A pass stores nothing, nor does a HEAD's answer (it has no body); fwd says why.
	const { clientBody, kept } =
		turn === undefined || method !== "GET"
			? { clientBody: response.body, kept: { kept: false } as const }
			: fill(x, turn, result);
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
}

/**
 * Streams a forward's answer into the tier, and tells the turn's waiters (or the
 * lock's memory) how that went: at once when it is not stored, else when the fill is
 * done. The client gets the origin's body, tee'd when it is being stored.
 */
function fill(
	x: Exchange,
	turn: ForwardTurn,
	result: ForwardAnswer,
): { clientBody: ReadableStream<Uint8Array> | null; kept: Kept } {
	// The feed others follow, when this fill shares one: sealed once the turn is over.
	let shared: FillFeed | undefined;
	const watch = (head: FillHead | undefined) => {
		const watching = watchLockedFill(turn, head);
		shared = watching.feed;
		return watching.watch;
	};
	const storing = x.store(result, turn.locked ? watch : undefined);
	if (storing.notStored !== undefined) {
		turn.done(outcomeOfSkip(result.response.status, storing.notStored));
		return { clientBody: storing.clientBody, kept: { kept: false, reason: storing.notStored } };
	}
	// A part stored tells the lock nothing about the key's complete response: on a key
	// remembered uncacheable (too large, say) "filled" would forget that, and the next
	// range outside the part would wait for a whole fill refused again.
	const part = result.response.status === 206 && !turn.locked;
	keepRunning(
		x.get.c,
		storing.stored.then((r) => {
			turn.done(r === undefined ? "failed" : part ? "not-stored" : outcomeOfCommit(r));
			shared?.seal();
		}),
	);
	return { clientBody: storing.clientBody, kept: { kept: true } };
}

/**
 * One background refresh per key for stale-while-revalidate: none while another
 * request fills or refreshes the key (it never queues behind one, so it is never
 * handed a lock), even a key known uncacheable (tryWrite). It asks with the stale
 * copy's validators, so an unchanged object costs a 304; and an error leaves the
 * stale copy stored (RFC 5861 §3 and §4: stale content is served rather than an error).
 */
export async function fetchRefresh(x: Exchange, stale: Found): Promise<void> {
	const { request } = x;
	const { lock, forward } = x.deps;
	const { target, c } = x.get;
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
		const freshened = await x.freshen(stale, result);
		// A 304 for validators other than ours tells nothing about the stored copy: it
		// stays, stale, and the next request past its window revalidates it.
		return turn.done(freshened === undefined ? "not-stored" : "filled");
	}
	// No client: the tier's branch of the fill reads on alone.
	void fill(x, turn, result)
		.clientBody?.cancel()
		.catch(() => {});
}
