/**
 * Soft purge: matching stored responses are marked invalidated instead of dropped. They are
 * stale from then on (lifetime 0), so a cache that may serve stale (stale-while-revalidate,
 * stale-if-error) keeps answering while it revalidates, and validators still allow a 304.
 * The tier applies the mark (Storage.softPurge), to what it stores and to the fills in
 * flight, which then commit already invalidated.
 */
import type { PurgeSelector, Storage } from "../store/storage.ts";
import { decodeRecord, encodeStoredResponse } from "./stored-response.ts";

/** A stored response's header marked invalidated; undefined for Vary records and marked ones. */
export function invalidatedHeader(header: Uint8Array): Uint8Array | undefined {
	const record = decodeRecord(header);
	if (record.kind !== "response" || record.invalidated === true) return undefined;
	const { kind: _kind, ...stored } = record;
	return encodeStoredResponse({ ...stored, invalidated: true });
}

export function softPurge(tier: Storage, selector: PurgeSelector): Promise<number> {
	return tier.softPurge(selector, invalidatedHeader);
}
