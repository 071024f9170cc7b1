/**
 * Typed Cache-Control directives (RFC 9111 §5.2) for responses (§5.2.2, plus RFC 8246
 * immutable and RFC 5861 stale-while-revalidate / stale-if-error) and requests (§5.2.1, plus
 * RFC 5861 §4 stale-if-error, which a client may send too).
 *
 * Bad input never throws. The conservative readings, per RFC 9111 §4.2.1 ("either the first
 * occurrence should be used or the response should be considered stale ... the most
 * restrictive directive should be honored ... invalid freshness information ... stale"):
 *
 * - max-age / s-maxage with an invalid argument (missing, negative, fractional, quoted junk)
 *   or repeated with different values: 0, i.e. the response is stale at once.
 * - stale-while-revalidate / stale-if-error invalid or conflicting: absent (never serve stale
 *   on a guess).
 * - Directives that only restrict (no-store, must-revalidate, proxy-revalidate, no-transform,
 *   only-if-cached, no-cache, private) count when present at all, even with a bogus argument.
 * - Directives that widen caching (public, immutable, must-understand) count only when at
 *   least one occurrence is written bare as defined; `public=yes` is ignored.
 * - Request max-age, max-stale and stale-if-error conflicting: the smallest; min-fresh: the
 *   largest.
 *   Invalid request arguments are ignored (request directives are advisory, §5.2.1).
 * - Unknown extensions are ignored (§5.2.3).
 */

import { parseDeltaSeconds } from "./delta-seconds.ts";
import { parseDirectiveList, parseFieldNameList, type RawDirective } from "./directive-list.ts";

/**
 * no-cache and private take an optional `#field-name` argument (§5.2.2.4, §5.2.2.7):
 * false = absent, true = unqualified (the whole response), a list = only those fields.
 */
export type FieldScope = boolean | readonly string[];

export interface ResponseCacheControl {
	readonly maxAge: number | undefined;
	readonly sMaxAge: number | undefined;
	readonly noCache: FieldScope;
	readonly noStore: boolean;
	readonly private: FieldScope;
	readonly public: boolean;
	readonly mustRevalidate: boolean;
	readonly proxyRevalidate: boolean;
	readonly mustUnderstand: boolean;
	readonly noTransform: boolean;
	readonly immutable: boolean;
	readonly staleWhileRevalidate: number | undefined;
	readonly staleIfError: number | undefined;
}

export interface RequestCacheControl {
	readonly maxAge: number | undefined;
	/** "any" when max-stale has no argument: any staleness is acceptable (§5.2.1.2). */
	readonly maxStale: number | "any" | undefined;
	readonly minFresh: number | undefined;
	readonly noCache: boolean;
	readonly noStore: boolean;
	readonly noTransform: boolean;
	readonly onlyIfCached: boolean;
	/**
	 * RFC 5861 §4: on an error, a stale response up to this many seconds past its lifetime may
	 * be served for this request (the response's own directives still forbid it where they do).
	 */
	readonly staleIfError: number | undefined;
}

/** All arguments given for one directive name, in order (undefined = written bare). */
type Occurrences = Map<string, (string | undefined)[]>;

function groupByName(directives: readonly RawDirective[]): Occurrences {
	const byName: Occurrences = new Map();
	for (const { name, value } of directives) {
		const list = byName.get(name);
		if (list) list.push(value);
		else byName.set(name, [value]);
	}
	return byName;
}

function present(byName: Occurrences, name: string): boolean {
	return byName.has(name);
}

function presentBare(byName: Occurrences, name: string): boolean {
	return byName.get(name)?.includes(undefined) ?? false;
}

/** §4.2.1: invalid or conflicting freshness → 0 (already stale). */
function freshnessSeconds(byName: Occurrences, name: string): number | undefined {
	const values = byName.get(name);
	if (!values) return undefined;
	const parsed = values.map((value) =>
		value === undefined ? undefined : parseDeltaSeconds(value),
	);
	const first = parsed[0];
	if (first === undefined || parsed.some((seconds) => seconds !== first)) return 0;
	return first;
}

/** RFC 5861 windows: invalid or conflicting → absent, so stale content is never served by guess. */
function staleWindowSeconds(byName: Occurrences, name: string): number | undefined {
	const values = byName.get(name);
	if (!values) return undefined;
	const parsed = values.map((value) =>
		value === undefined ? undefined : parseDeltaSeconds(value),
	);
	const first = parsed[0];
	if (first === undefined || parsed.some((seconds) => seconds !== first)) return undefined;
	return first;
}

/** The valid delta-seconds arguments given for a request directive, invalid ones dropped. */
function validRequestSeconds(byName: Occurrences, name: string): number[] {
	const seconds: number[] = [];
	for (const value of byName.get(name) ?? []) {
		const parsed = value === undefined ? undefined : parseDeltaSeconds(value);
		if (parsed !== undefined) seconds.push(parsed);
	}
	return seconds;
}

function fieldScope(byName: Occurrences, name: string): FieldScope {
	const values = byName.get(name);
	if (!values) return false;
	const fields: string[] = [];
	for (const value of values) {
		const names = value === undefined ? [] : parseFieldNameList(value);
		// Bare, empty (`no-cache=""`) or unreadable arguments: the unqualified, stricter form.
		if (names.length === 0) return true;
		for (const field of names) if (!fields.includes(field)) fields.push(field);
	}
	return fields;
}

export function responseCacheControlFrom(
	directives: readonly RawDirective[],
): ResponseCacheControl {
	const byName = groupByName(directives);
	return {
		maxAge: freshnessSeconds(byName, "max-age"),
		sMaxAge: freshnessSeconds(byName, "s-maxage"),
		noCache: fieldScope(byName, "no-cache"),
		noStore: present(byName, "no-store"),
		private: fieldScope(byName, "private"),
		public: presentBare(byName, "public"),
		mustRevalidate: present(byName, "must-revalidate"),
		proxyRevalidate: present(byName, "proxy-revalidate"),
		mustUnderstand: presentBare(byName, "must-understand"),
		noTransform: present(byName, "no-transform"),
		immutable: presentBare(byName, "immutable"),
		staleWhileRevalidate: staleWindowSeconds(byName, "stale-while-revalidate"),
		staleIfError: staleWindowSeconds(byName, "stale-if-error"),
	};
}

export function requestCacheControlFrom(directives: readonly RawDirective[]): RequestCacheControl {
	const byName = groupByName(directives);
	const maxAges = validRequestSeconds(byName, "max-age");
	const minFreshes = validRequestSeconds(byName, "min-fresh");
	const maxStales = validRequestSeconds(byName, "max-stale");
	const staleIfErrors = validRequestSeconds(byName, "stale-if-error");
	let maxStale: number | "any" | undefined;
	if (maxStales.length > 0) maxStale = Math.min(...maxStales);
	else if (presentBare(byName, "max-stale")) maxStale = "any";
	return {
		maxAge: maxAges.length > 0 ? Math.min(...maxAges) : undefined,
		maxStale,
		minFresh: minFreshes.length > 0 ? Math.max(...minFreshes) : undefined,
		noCache: present(byName, "no-cache"),
		noStore: present(byName, "no-store"),
		noTransform: present(byName, "no-transform"),
		onlyIfCached: present(byName, "only-if-cached"),
		staleIfError: staleIfErrors.length > 0 ? Math.min(...staleIfErrors) : undefined,
	};
}

/** Parse a response Cache-Control field value; null/undefined (field absent) gives no directives. */
export function parseResponseCacheControl(
	fieldValue: string | null | undefined,
): ResponseCacheControl {
	return responseCacheControlFrom(parseDirectiveList(fieldValue ?? ""));
}

/** A request without Cache-Control: nearly all of them, so it is one shared frozen object. */
const NO_REQUEST_DIRECTIVES: RequestCacheControl = Object.freeze(requestCacheControlFrom([]));

/** Parse a request Cache-Control field value; null/undefined (field absent) gives no directives. */
export function parseRequestCacheControl(
	fieldValue: string | null | undefined,
): RequestCacheControl {
	if (fieldValue === null || fieldValue === undefined) return NO_REQUEST_DIRECTIVES;
	return requestCacheControlFrom(parseDirectiveList(fieldValue));
}
