/**
 * Revalidating a stale stored response with the origin (RFC 9111 §4.3): the forwarded
 * request carries the stored validators; a 304 that matches them freshens the stored
 * response in place: its header fields are updated as §3.2 says and the stored body is
 * served again, with no body transferred.
 */
import type { RequestCacheControl } from "../http/cache-control.ts";
import { updateStoredHeaders } from "../http/header-update.ts";
import { purgeTags } from "../http/purge-tags.ts";
import { buildRevalidationHeaders, freshensValidatedResponse } from "../http/revalidation.ts";
import { fieldsWithheldFromStorage, forbidsSharedStorage } from "../http/storable.ts";
import { effectiveResponseDirectives } from "../http/targeted.ts";
import { validatorsFromHeaders } from "../http/validators.ts";
import type { PurgeMark, Storage } from "../store/storage.ts";
import { analyzeStored, assessStored, type Found } from "./cache-read.ts";
import { retainUntil } from "./cache-write.ts";
import { encodeStoredResponse } from "./stored-response.ts";

/** Request fields for a conditional forward, or undefined when the stored response has no validators. */
export function revalidationHeaders(requestHeaders: Headers, found: Found): Headers | undefined {
	const { validators } = found;
	if (!validators.etag && !validators.lastModified) return undefined;
	return buildRevalidationHeaders(requestHeaders, [validators]);
}

export interface NotModified {
	readonly response: Response;
	readonly requestTimeMs: number;
	readonly responseTimeMs: number;
	/** The tier's purge mark when the revalidation went out: a purge since then wins. */
	readonly purgeMark?: PurgeMark | undefined;
}

/**
 * Applies a 304 to the stored response it validated. Returns the freshened response to
 * serve, or undefined when the 304 names validators that do not match what is stored
 * (§4.3.4), so the caller refetches.
 */
export async function applyNotModified(
	tier: Storage,
	found: Found,
	notModified: NotModified,
	request: RequestCacheControl,
	nowMs: number,
	staleIfUnreachableSeconds = 0,
): Promise<Found | undefined> {
	const incoming = notModified.response.headers;
	if (!freshensValidatedResponse(validatorsFromHeaders(incoming), found.validators))
		return undefined;
	const headers = updateStoredHeaders(found.headers, incoming);
	const { directives } = effectiveResponseDirectives(headers);
	for (const name of fieldsWithheldFromStorage(directives)) headers.delete(name);
	const stored = {
		status: found.stored.status,
		headers: [...headers] as [string, string][],
		requestTimeMs: notModified.requestTimeMs,
		responseTimeMs: notModified.responseTimeMs,
	};
	const tags = purgeTags(headers);
	// §3 still holds for the updated response: a 304 that adds no-store or (unqualified)
	// private says the object may no longer be kept by a shared cache. So does one naming
	// more purge tags than an object is kept under (http/purge-tags.ts). This client gets the
	// freshened response once; the stored copy goes.
	if (tags === undefined || forbidsSharedStorage(directives)) {
		await tier.purge({ key: found.storageKey });
	} else {
		// The tier may have dropped the object meanwhile; the freshened copy is served anyway.
		// Only the object this 304 validated: a newer fill may have replaced it meanwhile, and
		// its body must not get these fields, nor a purge since the revalidation went out be undone.
		const meta = {
			expiresAt: retainUntil(
				stored.status,
				headers,
				stored.responseTimeMs,
				staleIfUnreachableSeconds,
			),
			tags,
			header: encodeStoredResponse(stored),
		};
		await tier.updateMeta(found.storageKey, meta, {
			since: notModified.purgeMark,
			replacing: found.source?.header,
		});
	}
	// A part stays a part: the same range of it answers this request (Content-Range is never
	// taken from a 304, http/header-update.ts).
	const analyzed = analyzeStored(stored);
	return assessStored(
		found.storageKey,
		analyzed,
		found.body,
		request,
		nowMs,
		undefined,
		found.part,
	);
}
