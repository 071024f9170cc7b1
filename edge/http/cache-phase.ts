import type { CacheStatusDecision, CacheStatusParams } from "./cache-status.ts";

/** How the proxy handled one request, in the proxy's own words. */
export type CachePhase =
	| "hit"
	| "miss"
	| "vary-miss"
	| "stale"
	| "stale-while-revalidate"
	| "max-stale"
	| "stale-if-error"
	| "stale-if-unreachable"
	| "revalidated"
	| "refetched"
	| "request"
	| "partial"
	| "bypass"
	| "method"
	| "uncacheable"
	| "client-gone"
	| "only-if-cached";

/**
 * The Cache-Status parameters for each phase (RFC 9211 §2). The proxy adds what it measured
 * (ttl, fwd-status from the origin, stored, collapsed) on top.
 *
 * - "stale-while-revalidate" and "stale-if-error" answer without waiting on the origin, so
 *   they are hits (§2.1: "a stale response that is used without going forward ... can be
 *   considered a hit"); the negative ttl tells they were stale.
 * - "max-stale" is a stale response the request's max-stale accepted (RFC 9111 §5.2.1.2):
 *   a hit too.
 * - "stale-if-unreachable" is a stale response served because the origin could not be
 *   reached (RFC 9111 §4.2.4, "disconnected"); also a hit, for the same reason.
 * - "stale" is a stale response that had to go forward (§2.2 fwd=stale).
 * - "revalidated" went forward and the origin answered 304 (or a HEAD a matching 200, RFC
 *   9111 §4.3.5: fwd-status says which); "refetched" went forward for a
 *   stale entry and got a new full response.
 * - "uncacheable" went forward on a URI miss and the response could not be stored; other
 *   forwards whose answer was not stored keep their phase and say stored=?0 (see
 *   forwardedAnswer).
 * - "client-gone": the client left while its request waited on another's fill, so it went
 *   nowhere; the answer is for the runtime, the phase for the metrics and the log.
 * - "only-if-cached": the 504 for a request that accepts only a stored response when none
 *   is usable (RFC 9111 §5.2.1.7). Neither a hit nor a forward: `fwd` would say the request
 *   went forward (§2.2), and without fwd-status that the next hop answered the 504.
 */
const PHASE_PARAMS: Readonly<Record<CachePhase, Readonly<CacheStatusParams>>> = {
	hit: { hit: true },
	miss: { fwd: "uri-miss" },
	"vary-miss": { fwd: "vary-miss" },
	stale: { fwd: "stale" },
	"stale-while-revalidate": { hit: true, detail: "stale-while-revalidate" },
	"max-stale": { hit: true, detail: "max-stale" },
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
	"only-if-cached": { detail: "only-if-cached" },
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

/** Whether an origin answer passed on is being stored, or why not (a reason, if one applies). */
export type Kept = { readonly kept: true } | { readonly kept: false; readonly reason?: string };

/**
 * The phase and measured parameters of an origin answer passed on, after going forward for
 * `fwd`: a stale entry's new response is "refetched", and a URI miss that could not be
 * stored is "uncacheable"; every answer not stored says stored=?0, and why when a reason
 * applies. One being stored says nothing of it: the client gets the fields before the
 * body, and the fill may yet fail (short, reset, over the size gate), while `stored` is
 * "whether the cache stored the response" (RFC 9211 §2.5), which is known only at commit.
 */
export function forwardedAnswer(
	fwd: CachePhase,
	fwdStatus: number,
	kept: Kept,
): { readonly phase: CachePhase; readonly extra: CacheStatusParams } {
	const answered: CachePhase = fwd === "stale" ? "refetched" : fwd;
	if (kept.kept) return { phase: answered, extra: { fwdStatus } };
	const phase: CachePhase = answered === "miss" ? "uncacheable" : answered;
	const extra: CacheStatusParams = { fwdStatus, stored: false };
	if (kept.reason !== undefined) extra.detail = kept.reason;
	return { phase, extra };
}
