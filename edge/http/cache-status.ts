import {
	serializeBooleanParam,
	serializeSfInteger,
	serializeSfString,
	serializeTokenOrString,
} from "./structured-field.ts";

/** RFC 9211 §2.2: why the request went forward, from most specific to least. */
export type ForwardReason =
	| "bypass"
	| "method"
	| "uri-miss"
	| "vary-miss"
	| "miss"
	| "request"
	| "stale"
	| "partial";

/** What this cache did with one request, as Cache-Status parameters (RFC 9211 §2.1-2.8). */
export interface CacheStatusParams {
	hit?: true;
	fwd?: ForwardReason;
	fwdStatus?: number;
	/** Remaining freshness lifetime in seconds; negative when stale (§2.4). */
	ttl?: number;
	stored?: boolean;
	collapsed?: boolean;
	key?: string;
	detail?: string;
}

export interface CacheStatusDecision extends CacheStatusParams {
	/** The identifier of this cache (§2), e.g. "NeuroCache"; a token or a string. */
	cache: string;
}

export const DEFAULT_CACHE_IDENTIFIER = "NeuroCache";

/**
 * One Cache-Status list member. "hit" and "fwd" are exclusive (§2.1), and fwd-status,
 * stored and collapsed are "only meaningful when fwd is present" (§2.3, §2.5, §2.6), so a
 * hit drops them instead of sending a contradictory member.
 */
export function serializeCacheStatus(decision: CacheStatusDecision): string {
	let member = serializeTokenOrString(decision.cache);
	const forwarded = decision.hit !== true && decision.fwd !== undefined;
	if (decision.hit === true) member += ";hit";
	if (forwarded && decision.fwd !== undefined) {
		member += `;fwd=${decision.fwd}`;
		if (decision.fwdStatus !== undefined && isStatusCode(decision.fwdStatus)) {
			member += `;fwd-status=${decision.fwdStatus}`;
		}
	}
	if (decision.ttl !== undefined && Number.isFinite(decision.ttl)) {
		member += `;ttl=${serializeSfInteger(decision.ttl)}`;
	}
	if (forwarded && decision.stored !== undefined) {
		member += serializeBooleanParam("stored", decision.stored);
	}
	if (forwarded && decision.collapsed !== undefined) {
		member += serializeBooleanParam("collapsed", decision.collapsed);
	}
	if (decision.key !== undefined) member += `;key=${serializeSfString(decision.key)}`;
	if (decision.detail !== undefined) member += `;detail=${serializeSfString(decision.detail)}`;
	return member;
}

/**
 * Appends this cache's member to the value received from upstream. §2: caches SHOULD
 * preserve the existing value, and the last member is the cache closest to the user: us.
 */
export function appendCacheStatus(existing: string | null | undefined, member: string): string {
	const upstream = existing?.trim().replace(/,+$/, "").trim() ?? "";
	return upstream === "" ? member : `${upstream}, ${member}`;
}

/** Sets Cache-Status on response headers, keeping what upstream caches said (§2). */
export function addCacheStatus(headers: Headers, decision: CacheStatusDecision): void {
	headers.set(
		"cache-status",
		appendCacheStatus(headers.get("cache-status"), serializeCacheStatus(decision)),
	);
}

function isStatusCode(status: number): boolean {
	return Number.isInteger(status) && status >= 100 && status <= 599;
}

export {
	type CachePhase,
	cacheStatusDecision,
	cacheStatusParamsForPhase,
} from "./cache-phase.ts";
