import type { CacheStatusDecision, CacheStatusParams } from "./cache-status.ts";

/** How the proxy handled one request, in the proxy's own words. */
export type CachePhase =
	| "hit"
	| "miss"
	| "vary-miss"
	| "stale"
	| "stale-while-revalidate"
	| "stale-if-error"
	| "stale-if-unreachable"
	| "revalidated"
	| "refetched"
	| "request"
	| "partial"
	| "bypass"
	| "method"
	| "uncacheable"
	| "client-gone";

/**
 * The Cache-Status parameters for each phase (RFC 9211 §2). The proxy adds what it measured
 * (ttl, fwd-status from the origin, stored, collapsed) on top.
 *
 * - "stale-while-revalidate" and "stale-if-error" answer without waiting on the origin, so
 *   they are hits (§2.1: "a stale response that is used without going forward ... can be
 *   considered a hit"); the negative ttl tells they were stale.
 * - "stale-if-unreachable" is a stale response served because the origin could not be
 *   reached (RFC 9111 §4.2.4, "disconnected"); also a hit, for the same reason.
 * - "stale" is a stale response that had to go forward (§2.2 fwd=stale).
 * - "revalidated" went forward and the origin answered 304; "refetched" went forward for a
 *   stale entry and got a new full response.
 * - "uncacheable" went forward on a miss and the response could not be stored.
 * - "client-gone": the client left while its request waited on another's fill, so it went
 *   nowhere; the answer is for the runtime, the phase for the metrics and the log.
 */
const PHASE_PARAMS: Readonly<Record<CachePhase, Readonly<CacheStatusParams>>> = {
	hit: { hit: true },
	miss: { fwd: "uri-miss" },
	"vary-miss": { fwd: "vary-miss" },
	stale: { fwd: "stale" },
	"stale-while-revalidate": { hit: true, detail: "stale-while-revalidate" },
	"stale-if-error": { hit: true, detail: "stale-if-error" },
	"stale-if-unreachable": { hit: true, detail: "origin-unreachable" },
	revalidated: { fwd: "stale", fwdStatus: 304 },
	refetched: { fwd: "stale" },
	request: { fwd: "request" },
	partial: { fwd: "partial" },
	bypass: { fwd: "bypass" },
	method: { fwd: "method" },
	uncacheable: { fwd: "uri-miss", stored: false, detail: "uncacheable" },
	"client-gone": { detail: "client-gone" },
};

export function cacheStatusParamsForPhase(phase: CachePhase): CacheStatusParams {
	return { ...PHASE_PARAMS[phase] };
}

/**
 * The whole Cache-Status decision for one response: the cache's identifier, the phase's
 * parameters, then what the proxy measured (`extra` wins). One object per response.
 */
export function cacheStatusDecision(
	cache: string,
	phase: CachePhase,
	extra: Readonly<CacheStatusParams>,
): CacheStatusDecision {
	return Object.assign({ cache }, PHASE_PARAMS[phase], extra);
}
