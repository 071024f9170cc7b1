/**
 * Freshness lifetime (RFC 9111 §4.2.1), heuristic freshness (§4.2.2) and the fresh/stale test
 * (§4.2), for a shared cache. Times are epoch milliseconds, durations seconds.
 */

import { clampSeconds } from "./delta-seconds.ts";
import { parseHttpDate } from "./http-date.ts";
import type { EffectiveResponseDirectives } from "./targeted.ts";

/** RFC 9110 §15.1: the status codes defined as heuristically cacheable. */
export const HEURISTICALLY_CACHEABLE_STATUSES: ReadonlySet<number> = new Set([
	200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501,
]);

export interface HeuristicOptions {
	/** RFC 9111 §4.2.2: "a typical setting of this fraction might be 10%". */
	readonly fraction: number;
	/** Upper bound of a heuristic lifetime, in seconds. */
	readonly maxSeconds: number;
}

export const DEFAULT_HEURISTIC: HeuristicOptions = { fraction: 0.1, maxSeconds: 86_400 };

export interface StoredResponseFacts {
	readonly status: number;
	readonly headers: Headers;
	/** From effectiveResponseDirectives (targeted field or Cache-Control). */
	readonly effective: EffectiveResponseDirectives;
	/** response_time, used when Date is absent or invalid (RFC 9110 §6.6.1). */
	readonly responseTimeMs: number;
}

export type FreshnessLifetime =
	| { readonly source: "s-maxage" | "max-age" | "expires" | "heuristic"; readonly seconds: number }
	/** Neither explicit nor heuristic freshness applies: the response is always stale. */
	| { readonly source: "none"; readonly seconds: 0 };

/** date_value, or response_time when Date is absent or invalid (RFC 9110 §6.6.1). */
export function dateValueMs(response: StoredResponseFacts): number {
	return (
		parseHttpDate(response.headers.get("Date"), response.responseTimeMs) ?? response.responseTimeMs
	);
}

/** Whether the response carries an explicit expiration time (RFC 9111 §4.2.1, first three rules). */
export function hasExplicitFreshness(response: StoredResponseFacts): boolean {
	const { directives, expiresApplies } = response.effective;
	return (
		directives.sMaxAge !== undefined ||
		directives.maxAge !== undefined ||
		(expiresApplies && response.headers.has("Expires"))
	);
}

/** RFC 9111 §4.2.2 / §5.2.2.9: heuristics only for heuristically cacheable statuses or `public`. */
export function allowsHeuristicFreshness(response: StoredResponseFacts): boolean {
	return (
		HEURISTICALLY_CACHEABLE_STATUSES.has(response.status) || response.effective.directives.public
	);
}

/** RFC 9111 §4.2.1: the first match of s-maxage (shared cache), max-age, Expires − Date; else §4.2.2. */
export function freshnessLifetime(
	response: StoredResponseFacts,
	heuristic: HeuristicOptions = DEFAULT_HEURISTIC,
): FreshnessLifetime {
	const { directives, expiresApplies } = response.effective;
	if (directives.sMaxAge !== undefined) return { source: "s-maxage", seconds: directives.sMaxAge };
	if (directives.maxAge !== undefined) return { source: "max-age", seconds: directives.maxAge };

	const expires = expiresApplies ? response.headers.get("Expires") : null;
	if (expires !== null) {
		// §5.3: an invalid date (e.g. "0", or two joined Expires lines) means "already expired".
		const expiresMs = parseHttpDate(expires, response.responseTimeMs);
		if (expiresMs === undefined) return { source: "expires", seconds: 0 };
		return { source: "expires", seconds: clampSeconds((expiresMs - dateValueMs(response)) / 1000) };
	}

	if (!allowsHeuristicFreshness(response)) return { source: "none", seconds: 0 };
	return { source: "heuristic", seconds: heuristicLifetimeSeconds(response, heuristic) };
}

/**
 * RFC 9111 §4.2.2: a fraction of the time since Last-Modified, measured at Date, capped.
 * Without a usable Last-Modified (absent, invalid or after Date) there is nothing to base a
 * guess on, so the lifetime is 0.
 */
export function heuristicLifetimeSeconds(
	response: StoredResponseFacts,
	heuristic: HeuristicOptions = DEFAULT_HEURISTIC,
): number {
	const lastModifiedMs = parseHttpDate(
		response.headers.get("Last-Modified"),
		response.responseTimeMs,
	);
	if (lastModifiedMs === undefined) return 0;
	const sinceModifiedSeconds = (dateValueMs(response) - lastModifiedMs) / 1000;
	return Math.min(
		clampSeconds(sinceModifiedSeconds * heuristic.fraction),
		clampSeconds(heuristic.maxSeconds),
	);
}

/** RFC 9111 §4.2: response_is_fresh = (freshness_lifetime > current_age) */
export function isFresh(lifetimeSeconds: number, currentAgeSeconds: number): boolean {
	return lifetimeSeconds > currentAgeSeconds;
}
