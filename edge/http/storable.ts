/**
 * May a shared cache store this response? RFC 9111 §3, with §3.3 (partial content: a
 * single-part 206, see partial.ts), §3.5 (authenticated requests) and RFC 9213 (a targeted
 * field replaces Cache-Control).
 */

import type { RequestCacheControl, ResponseCacheControl } from "./cache-control.ts";
import { HEURISTICALLY_CACHEABLE_STATUSES } from "./freshness.ts";
import { type StoredPart, storablePart } from "./partial.ts";
import type { EffectiveResponseDirectives } from "./targeted.ts";

/** Why a response was not stored: one reason per §3 condition, for Cache-Status and metrics. */
export type NoStoreReason =
	| "method"
	| "status"
	| "partial-content"
	| "not-modified"
	| "request-specific"
	| "must-understand"
	| "no-store"
	| "request-no-store"
	| "private"
	| "authorization"
	| "no-freshness"
	| "set-cookie";

export type StorableResult =
	/** `part`: for a 206, the byte range it holds, to be stored as the key's part (partial.ts). */
	| { readonly storable: true; readonly part?: StoredPart }
	| { readonly storable: false; readonly reason: NoStoreReason };

export interface StorableInputs {
	readonly method: string;
	readonly status: number;
	readonly requestHeaders: Headers;
	readonly request: RequestCacheControl;
	readonly responseHeaders: Headers;
	readonly effective: EffectiveResponseDirectives;
}

/**
 * Methods this cache understands and stores (RFC 9111 §3 "understood"; RFC 9110 §9.3.1/§9.3.2).
 * Methods are case-sensitive (RFC 9110 §9.1): "get" is not GET.
 */
const STORABLE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

/**
 * Status codes whose caching requirements this cache implements, for must-understand
 * (RFC 9111 §5.2.2.3): the heuristically cacheable ones plus redirects with plain semantics.
 * 206 among them: a single-part one is stored as a part (partial.ts, §3.3).
 */
const UNDERSTOOD_STATUSES: ReadonlySet<number> = new Set([
	...HEURISTICALLY_CACHEABLE_STATUSES,
	302,
	303,
	307,
]);

export function storability(inputs: StorableInputs): StorableResult {
	const { status, effective } = inputs;
	const directives = effective.directives;

	if (!STORABLE_METHODS.has(inputs.method)) return notStored("method");
	// RFC 9110 §15: only final responses (2xx–5xx) are stored; 1xx are interim.
	if (!Number.isInteger(status) || status < 200 || status > 599) return notStored("status");
	// §3.3: a cache MAY store incomplete responses; this one keeps a single byte range, whose
	// Content-Range it understands, apart from the complete response (partial.ts). A
	// multipart/byteranges body or a Content-Range it cannot read is not stored.
	const part = status === 206 ? storablePart(inputs.responseHeaders) : undefined;
	if (status === 206 && part === undefined) return notStored("partial-content");
	// §4.3.4: a 304 freshens stored responses (see header-update.ts); it is not stored itself.
	if (status === 304) return notStored("not-modified");
	// A 412 or a 416 answers the request's own preconditions or Range (RFC 9110 §15.5.13,
	// §15.5.17), which the cache key leaves out: stored, it would answer the next request for
	// the URL, one with no Range at all. Forwards that carry the client's Range (a part's
	// revalidation or refresh, a Range sent as-is) can bring them back with a max-age.
	if (status === 412 || status === 416) return notStored("request-specific");

	// §5.2.2.3: must-understand limits storing to caches that understand the status, and such a
	// cache SHOULD ignore the accompanying no-store.
	if (directives.mustUnderstand && !UNDERSTOOD_STATUSES.has(status))
		return notStored("must-understand");
	if (directives.noStore && !directives.mustUnderstand) return notStored("no-store");
	// §5.2.1.5: no-store in the request forbids storing its response too.
	if (inputs.request.noStore) return notStored("request-no-store");

	// §5.2.2.7: unqualified private forbids a shared cache; the qualified form only withholds
	// the listed fields (fieldsWithheldFromStorage).
	if (directives.private === true) return notStored("private");
	// §3.5: an authorized request's response only with must-revalidate, public or s-maxage.
	if (inputs.requestHeaders.has("Authorization") && !allowsSharedAuthorized(directives)) {
		return notStored("authorization");
	}
	if (!hasFreshnessOrIsCacheable(inputs)) return notStored("no-freshness");
	if (inputs.responseHeaders.has("Set-Cookie") && !hasExplicitFreshness(inputs))
		return notStored("set-cookie");
	return part === undefined ? { storable: true } : { storable: true, part };
}

function notStored(reason: NoStoreReason): StorableResult {
	return { storable: false, reason };
}

function allowsSharedAuthorized(directives: ResponseCacheControl): boolean {
	return directives.mustRevalidate || directives.public || directives.sMaxAge !== undefined;
}

/** §3, last condition: public, Expires, max-age, s-maxage, or a heuristically cacheable status. */
function hasFreshnessOrIsCacheable(inputs: StorableInputs): boolean {
	return hasExplicitFreshness(inputs) || HEURISTICALLY_CACHEABLE_STATUSES.has(inputs.status);
}

/**
 * The origin said, for caches, how long the response may be used (or that any cache may keep
 * it): public, max-age, s-maxage or Expires. A response that sets a cookie is stored only
 * then. RFC 9111 §3 lets a cache store it on status alone, and §7.3 notes Set-Cookie does not
 * inhibit caching, but a heuristically stored one is one user's session handed to the next
 * (and kept past its life for an unreachable origin): an application that never thought
 * about caching sets cookies this way, one that sets max-age on such a response chose to. As
 * Varnish's and Fastly's default rules do, in their case for every such response.
 */
function hasExplicitFreshness({ responseHeaders, effective }: StorableInputs): boolean {
	const { directives, expiresApplies } = effective;
	return (
		directives.public ||
		directives.maxAge !== undefined ||
		directives.sMaxAge !== undefined ||
		(expiresApplies && responseHeaders.has("Expires"))
	);
}

/**
 * The response's own word against any shared cache keeping it, whatever the request: no-store
 * (§5.2.2.5; must-understand makes a cache that understands the status ignore it, §5.2.2.3)
 * or unqualified private (§5.2.2.7). A 304 that adds one ends a stored response's life.
 */
export function forbidsSharedStorage(directives: ResponseCacheControl): boolean {
	return (directives.noStore && !directives.mustUnderstand) || directives.private === true;
}

/**
 * Field names (lower-case) a shared cache must not store with the response: those named by a
 * qualified private (§5.2.2.7) or a qualified no-cache (§3.1: its argument can "prevent
 * storage of header fields by all caches").
 */
export function fieldsWithheldFromStorage(directives: ResponseCacheControl): string[] {
	const withheld: string[] = [];
	for (const scope of [directives.private, directives.noCache]) {
		if (typeof scope === "boolean") continue;
		for (const name of scope) if (!withheld.includes(name)) withheld.push(name);
	}
	return withheld;
}
