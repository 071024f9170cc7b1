/**
 * May a stored response be reused for this request without contacting the origin? RFC 9111
 * §4.2 (fresh), §4.2.4 (serving stale), §5.2.1 (request directives), §5.2.2 (response
 * directives), RFC 5861 §3 (stale-while-revalidate) and §4 (stale-if-error), RFC 8246
 * (immutable). For a shared cache. Ages and lifetimes are seconds.
 */

import type { RequestCacheControl, ResponseCacheControl } from "./cache-control.ts";
import { isFresh } from "./freshness.ts";

/** Why a stale response may not be served at all (RFC 9111 §4.2.4, for a shared cache). */
export type StaleForbiddenReason = "no-cache" | "must-revalidate" | "proxy-revalidate" | "s-maxage";

export type ValidateReason =
	| "stale"
	| "response-no-cache"
	| "request-no-cache"
	| "request-max-age"
	| "request-min-fresh"
	| StaleForbiddenReason;

export type ReuseDecision =
	| { readonly action: "serve"; readonly because: "fresh" | "immutable" }
	/** Stale, but the client accepts it (§5.2.1.2 max-stale). */
	| { readonly action: "serve-stale"; readonly because: "max-stale" }
	/** Stale within stale-while-revalidate: serve, and revalidate in the background (RFC 5861 §3). */
	| { readonly action: "serve-stale-while-revalidate" }
	| { readonly action: "validate"; readonly reason: ValidateReason };

export interface ReuseInputs {
	readonly response: ResponseCacheControl;
	readonly request: RequestCacheControl;
	readonly lifetimeSeconds: number;
	readonly currentAgeSeconds: number;
}

/**
 * RFC 9111 §4.2.4: a cache MUST NOT serve stale when no-cache (§5.2.2.4), must-revalidate
 * (§5.2.2.2), proxy-revalidate (§5.2.2.8) or, for a shared cache, s-maxage (§5.2.2.10) is present.
 */
export function staleForbiddenBy(response: ResponseCacheControl): StaleForbiddenReason | undefined {
	if (response.noCache === true) return "no-cache";
	if (response.mustRevalidate) return "must-revalidate";
	if (response.proxyRevalidate) return "proxy-revalidate";
	if (response.sMaxAge !== undefined) return "s-maxage";
	return undefined;
}

/** How far past its freshness lifetime the response is, in seconds; 0 while fresh. */
export function stalenessSeconds(lifetimeSeconds: number, currentAgeSeconds: number): number {
	return Math.max(0, currentAgeSeconds - lifetimeSeconds);
}

/**
 * RFC 8246 §2: a fresh immutable response need not be revalidated when a client reloads
 * (request no-cache or max-age=0 are how reloads show up at a cache).
 */
export function immutableSkipsRevalidation(
	response: ResponseCacheControl,
	fresh: boolean,
): boolean {
	return response.immutable && fresh;
}

export function decideReuse({
	response,
	request,
	lifetimeSeconds,
	currentAgeSeconds,
}: ReuseInputs): ReuseDecision {
	const fresh = isFresh(lifetimeSeconds, currentAgeSeconds);

	// §5.2.2.4: unqualified no-cache means every reuse is validated first. (The qualified form
	// allows reuse without the listed fields; stripping them is the caller's part.)
	if (response.noCache === true) return { action: "validate", reason: "response-no-cache" };

	const clientWantsReload =
		request.noCache || (request.maxAge !== undefined && currentAgeSeconds > request.maxAge);
	if (clientWantsReload) {
		if (immutableSkipsRevalidation(response, fresh))
			return { action: "serve", because: "immutable" };
		// §5.2.1.4 no-cache, §5.2.1.1 max-age.
		return { action: "validate", reason: request.noCache ? "request-no-cache" : "request-max-age" };
	}

	if (fresh) {
		// §5.2.1.3: the client wants at least min-fresh seconds of freshness left.
		if (request.minFresh !== undefined && lifetimeSeconds - currentAgeSeconds < request.minFresh) {
			return { action: "validate", reason: "request-min-fresh" };
		}
		return { action: "serve", because: "fresh" };
	}

	const forbidden = staleForbiddenBy(response);
	if (forbidden) return { action: "validate", reason: forbidden };
	// A client asking for min-fresh cannot be satisfied by a stale response.
	if (request.minFresh !== undefined) return { action: "validate", reason: "request-min-fresh" };

	const staleness = stalenessSeconds(lifetimeSeconds, currentAgeSeconds);
	if (
		request.maxStale === "any" ||
		(request.maxStale !== undefined && staleness <= request.maxStale)
	) {
		return { action: "serve-stale", because: "max-stale" };
	}
	if (response.staleWhileRevalidate !== undefined && staleness <= response.staleWhileRevalidate) {
		return { action: "serve-stale-while-revalidate" };
	}
	return { action: "validate", reason: "stale" };
}

export type StaleOnErrorDecision =
	| { readonly allowed: true }
	| { readonly allowed: false; readonly reason: StaleForbiddenReason | "outside-stale-if-error" };

/**
 * RFC 5861 §4: when validation fails (an error, or a 500/502/503/504), a stale response may be
 * served within stale-if-error seconds of staleness, given by the response or, for this
 * request only, by the request ("its scope of application is the request it appears in").
 * must-revalidate and the other §4.2.4 directives still win: §5.2.2.2 says a cache MUST NOT
 * ignore must-revalidate "in all circumstances", including when disconnected.
 */
export function mayServeStaleOnError(
	response: ResponseCacheControl,
	lifetimeSeconds: number,
	currentAgeSeconds: number,
	request?: Pick<RequestCacheControl, "staleIfError">,
): StaleOnErrorDecision {
	if (isFresh(lifetimeSeconds, currentAgeSeconds)) return { allowed: true };
	const forbidden = staleForbiddenBy(response);
	if (forbidden) return { allowed: false, reason: forbidden };
	const staleness = stalenessSeconds(lifetimeSeconds, currentAgeSeconds);
	for (const window of [response.staleIfError, request?.staleIfError])
		if (window !== undefined && staleness <= window) return { allowed: true };
	return { allowed: false, reason: "outside-stale-if-error" };
}

/**
 * RFC 9111 §4: a cache "MUST NOT reuse a stored response unless ... the presented request
 * does not contain the no-cache directive ..., unless the stored response is successfully
 * validated". So when the validation a no-cache request asked for fails (the origin errs or
 * cannot be reached), the stored copy is not served, fresh or stale, unless the client said
 * it would take one on error (its own stale-if-error, RFC 5861 §4). A request max-age or
 * min-fresh only states a preference (§5.2.1.1, §5.2.1.3) and does not forbid it.
 */
export function requestForbidsFallback(
	request: Pick<RequestCacheControl, "noCache" | "staleIfError">,
): boolean {
	return request.noCache && request.staleIfError === undefined;
}

/** One hour: an origin outage that long is served from what is stored, where allowed. */
export const DEFAULT_STALE_IF_UNREACHABLE_S = 3600;

/**
 * RFC 9111 §4.2.4: a cache may serve a stale response when it "is disconnected" from the
 * origin, not only when the origin or client allows it. We count the origin unreachable or
 * timed out as disconnected (an answer, even a 5xx, is not: that is stale-if-error's case),
 * and bound how stale such a response may be with the operator's `limitSeconds` (0: never).
 * What forbids serving stale at all (must-revalidate, proxy-revalidate, s-maxage, no-cache)
 * still forbids it here: §5.2.2.2 says must-revalidate holds "in all circumstances".
 */
export function mayServeStaleWhenUnreachable(
	response: ResponseCacheControl,
	lifetimeSeconds: number,
	currentAgeSeconds: number,
	limitSeconds: number,
): StaleWhenUnreachableDecision {
	const forbidden = staleForbiddenBy(response);
	if (forbidden) return { allowed: false, reason: forbidden };
	if (stalenessSeconds(lifetimeSeconds, currentAgeSeconds) > limitSeconds)
		return { allowed: false, reason: "past-limit" };
	return { allowed: true };
}

export type StaleWhenUnreachableDecision =
	| { readonly allowed: true }
	| { readonly allowed: false; readonly reason: StaleForbiddenReason | "past-limit" };
