/**
 * The read side of the proxy: find what is stored for a request (following a Vary record to
 * the variant, RFC 9111 §4.1) and decide whether it may be reused (§4.2, via reuse.ts).
 */
import { currentAgeSeconds, parseAgeValue } from "../http/age.ts";
import type { RequestCacheControl } from "../http/cache-control.ts";
import { dateValueMs, freshnessLifetime } from "../http/freshness.ts";
import { decideReuse, type ReuseDecision } from "../http/reuse.ts";
import { effectiveResponseDirectives } from "../http/targeted.ts";
import { parseVary, variantKey } from "../http/vary.ts";
import type { Storage } from "../store/storage.ts";
import { decodeRecord, type StoredResponse } from "./stored-response.ts";

/** Variants live under the primary key plus this separator and the variant key. */
export const VARIANT_SEPARATOR = "\u0000";

export type Lookup =
	| { readonly kind: "miss"; readonly fwd: "uri-miss" | "vary-miss" }
	| {
			readonly kind: "found";
			readonly storageKey: string;
			readonly stored: StoredResponse;
			readonly headers: Headers;
			readonly body: Uint8Array;
			readonly ageSeconds: number;
			readonly lifetimeSeconds: number;
			readonly decision: ReuseDecision;
	  };

export async function lookupStored(
	tier: Storage,
	primaryKey: string,
	requestHeaders: Headers,
	request: RequestCacheControl,
	nowMs: number,
): Promise<Lookup> {
	const first = await readRecord(tier, primaryKey);
	if (first === undefined) return { kind: "miss", fwd: "uri-miss" };
	let storageKey = primaryKey;
	let found = first;
	if (first.record.kind === "vary") {
		const variant = variantKey(parseVary(first.record.vary.join(", ")), requestHeaders);
		if (variant === undefined) return { kind: "miss", fwd: "uri-miss" };
		storageKey = `${primaryKey}${VARIANT_SEPARATOR}${variant}`;
		const second = await readRecord(tier, storageKey);
		if (second === undefined) return { kind: "miss", fwd: "vary-miss" };
		found = second;
	}
	if (found.record.kind !== "response") return { kind: "miss", fwd: "uri-miss" };
	return assessStored(storageKey, found.record, found.body, request, nowMs);
}

export type Found = Extract<Lookup, { kind: "found" }>;

/** Age, freshness lifetime and the reuse decision for a stored response (RFC 9111 §4.2). */
export function assessStored(
	storageKey: string,
	stored: StoredResponse,
	body: Uint8Array,
	request: RequestCacheControl,
	nowMs: number,
): Found {
	const headers = new Headers(stored.headers as [string, string][]);
	const effective = effectiveResponseDirectives(headers);
	const facts = {
		status: stored.status,
		headers,
		effective,
		responseTimeMs: stored.responseTimeMs,
	};
	const lifetimeSeconds = freshnessLifetime(facts).seconds;
	const ageSeconds = currentAgeSeconds({
		requestTimeMs: stored.requestTimeMs,
		responseTimeMs: stored.responseTimeMs,
		nowMs,
		dateValueMs: headers.has("date") ? dateValueMs(facts) : undefined,
		ageValueSeconds: parseAgeValue(headers.get("age")),
	});
	const decision = decideReuse({
		response: effective.directives,
		request,
		lifetimeSeconds,
		currentAgeSeconds: ageSeconds,
	});
	return {
		kind: "found",
		storageKey,
		stored,
		headers,
		body,
		ageSeconds,
		lifetimeSeconds,
		decision,
	};
}

async function readRecord(tier: Storage, key: string) {
	const hit = await tier.lookup(key);
	if (hit === undefined) return undefined;
	// Copied, then released at once: a response body may be read long after this returns,
	// and the tier may reuse the slot meanwhile.
	const record = decodeRecord(hit.meta.header);
	const body = hit.body.slice();
	hit.release();
	return record.kind === "corrupt" ? undefined : { record, body };
}
