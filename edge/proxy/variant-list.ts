/**
 * The variants a Vary record lists (stored-response.ts): kept as each variant is stored, so
 * a request for a variant the cache lacks can offer the origin the entity-tags of those it
 * holds (RFC 9111 §4.3.1), and be answered with a 304 where the origin would send the same
 * representation.
 */
import type { Storage } from "../store/storage.ts";
import { decodeRecord, MAX_LISTED_VARIANTS } from "./stored-response.ts";

/**
 * The list for the record about to be written at `primaryKey` as `variant` is stored:
 * `variant` first, then those the current record lists, when it varies on the same fields
 * (other fields select other variants: their list means nothing now). Read from a tier that
 * answers at once; one that does not lists `variant` alone. Two variants stored at the same
 * moment may each write a list without the other: that one is then not offered, which costs
 * a full response where a 304 might have done, nothing more.
 */
export function variantsListed(
	tier: Pick<Storage, "lookupSync">,
	primaryKey: string,
	fields: readonly string[],
	variant: string,
): string[] {
	const current = tier.lookupSync?.(primaryKey);
	if (current === undefined) return [variant];
	let listed: readonly string[] = [];
	try {
		const record = decodeRecord(current.header);
		if (record.kind === "vary" && sameFields(record.vary, fields)) listed = record.variants ?? [];
	} finally {
		current.release();
	}
	return [variant, ...listed.filter((other) => other !== variant)].slice(0, MAX_LISTED_VARIANTS);
}

function sameFields(a: readonly string[], b: readonly string[]): boolean {
	return a.length === b.length && a.every((name, i) => name === b[i]);
}
