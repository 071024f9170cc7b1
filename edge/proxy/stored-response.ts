/**
 * What the cache keeps about a response besides its body, as the bytes the tier stores in
 * ObjectMeta.header: status, header fields (hop-by-hop ones already removed), the request
 * and response times the age calculation needs (RFC 9111 §4.2.3), and, for a Vary record,
 * the field names that select a variant (§4.1). Decoding validates: a corrupt record reads
 * as a miss, never as a wrong response.
 */
import * as v from "valibot";

export interface StoredResponse {
	readonly status: number;
	readonly headers: readonly (readonly [string, string])[];
	readonly requestTimeMs: number;
	readonly responseTimeMs: number;
	/** Set by a soft purge: treated as stale from then on, until revalidated or refetched. */
	readonly invalidated?: boolean | undefined;
}

/**
 * Stored under the primary key when responses vary: which request fields select the variant,
 * and the variant keys stored under it lately, newest first (at most MAX_LISTED_VARIANTS),
 * whose entity-tags a request for another variant offers the origin (RFC 9111 §4.3.1). A
 * listed variant may since have gone; a record from before the list has none.
 */
export interface VaryRecord {
	readonly vary: readonly string[];
	readonly variants?: readonly string[] | undefined;
}

/** How many variant keys a Vary record lists: a request offers the origin this many tags at most. */
export const MAX_LISTED_VARIANTS = 8;

const StoredSchema = v.union([
	v.strictObject({
		kind: v.literal("response"),
		status: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599)),
		headers: v.array(v.tuple([v.string(), v.string()])),
		requestTimeMs: v.number(),
		responseTimeMs: v.number(),
		invalidated: v.optional(v.boolean()),
	}),
	v.strictObject({
		kind: v.literal("vary"),
		vary: v.array(v.string()),
		variants: v.optional(v.pipe(v.array(v.string()), v.maxLength(MAX_LISTED_VARIANTS))),
	}),
]);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeStoredResponse(response: StoredResponse): Uint8Array {
	return encoder.encode(JSON.stringify({ kind: "response", ...response }));
}

export function encodeVaryRecord(record: VaryRecord): Uint8Array {
	return encoder.encode(
		JSON.stringify({ kind: "vary", vary: record.vary, variants: record.variants }),
	);
}

export type DecodedRecord =
	| ({ readonly kind: "response" } & StoredResponse)
	| ({ readonly kind: "vary" } & VaryRecord)
	| { readonly kind: "corrupt" };

export function decodeRecord(bytes: Uint8Array): DecodedRecord {
	try {
		const parsed = v.safeParse(StoredSchema, JSON.parse(decoder.decode(bytes)));
		return parsed.success ? parsed.output : { kind: "corrupt" };
	} catch {
		return { kind: "corrupt" };
	}
}
