/**
 * The read side of the proxy: find what is stored for a request (following a Vary record to
 * the variant, RFC 9111 §4.1) and decide whether it may be reused (§4.2, via reuse.ts).
 */

import { currentAgeSeconds, parseAgeValue } from "../http/age.ts";
import type { RequestCacheControl, ResponseCacheControl } from "../http/cache-control.ts";
import type { StoredForConditional } from "../http/conditional.ts";
import { dateValueMs, freshnessLifetime } from "../http/freshness.ts";
import { ifRangeAllowsPartial } from "../http/if-range.ts";
import { answerFromPart, type PartAnswer, parseContentRange, partLength } from "../http/partial.ts";
import { decideReuse, type ReuseDecision } from "../http/reuse.ts";
import { effectiveResponseDirectives } from "../http/targeted.ts";
import { validatorsFromHeaders } from "../http/validators.ts";
import { parseVary, variantFieldValue, variantKey } from "../http/vary.ts";
import { sameBytes } from "../store/same-bytes.ts";
import type { CachedObject, Storage } from "../store/storage.ts";
import { HitHeaders } from "./hit-headers.ts";
import {
	type DecodedRecord,
	decodeRecord,
	type StoredResponse,
	type VaryRecord,
} from "./stored-response.ts";

/** Variants live under the primary key plus this separator and the variant key. */
export const VARIANT_SEPARATOR = "\u0000";

/**
 * A stored part (a 206, http/partial.ts) lives beside the complete response's storage key,
 * under that key plus this suffix: one part per key, the latest stored. It starts with the
 * variant separator, so a purge of the URL (its key and `key + separator` prefix) reaches
 * it, and no variant key (JSON, which escapes NUL) can spell it.
 */
export const PART_SUFFIX = `${VARIANT_SEPARATOR}part`;

/** Where the part beside the response stored at `storageKey` lives. */
export function partKey(storageKey: string): string {
	return `${storageKey}${PART_SUFFIX}`;
}

/** What a GET with Range asks of a stored part: its Range and If-Range fields. */
export interface PartRequest {
	readonly range: string;
	readonly ifRange: string | null;
}

/**
 * The part a request may be answered from: a GET's Range (RFC 9110 §14.2: other methods
 * ignore Range, and a HEAD's answer is the complete response's head). Undefined for the rest,
 * which a stored part never answers.
 */
export function partRequestOf(method: string, headers: Headers): PartRequest | undefined {
	if (method !== "GET") return undefined;
	const range = headers.get("range");
	return range === null ? undefined : { range, ifRange: headers.get("if-range") };
}

export type Lookup =
	| { readonly kind: "miss"; readonly fwd: "uri-miss" }
	/**
	 * A Vary record, but nothing at the variant the request selects: `storageKey`. `siblings`:
	 * the storage keys of the other variants the record lists, newest first (some may be gone).
	 */
	| {
			readonly kind: "miss";
			readonly fwd: "vary-miss";
			readonly storageKey: string;
			readonly siblings: readonly string[];
	  }
	| {
			readonly kind: "found";
			readonly storageKey: string;
			readonly stored: StoredResponse;
			readonly headers: Headers;
			readonly body: Uint8Array;
			/** The tier's object, pinned: its bodyBlob() is the same bytes, shared by Responses. */
			readonly source: CachedObject | undefined;
			readonly ageSeconds: number;
			readonly lifetimeSeconds: number;
			readonly decision: ReuseDecision;
			/** The directives this cache obeys for it (CDN-Cache-Control or Cache-Control). */
			readonly directives: ResponseCacheControl;
			/** What a 200 or 304 from the cache is judged against (RFC 9110 §13). */
			readonly validators: Readonly<StoredForConditional>;
			/** The response fields to send for the stored response (see AnalyzedResponse). */
			readonly servedHeaders: Headers;
			readonly upstreamCacheStatus: string | null;
			readonly hitHeaders: HitHeaders;
			readonly untyped: boolean;
			/**
			 * Set when what is stored is a part (a 206): the range of it this request is
			 * answered with. A part is only ever found with one; it is never served whole.
			 */
			readonly part: PartAnswer | undefined;
	  };

/**
 * Releases for the stored bodies a request holds. The body of a Found is the tier's own
 * zero-copy view, pinned until its release runs: the caller runs them all once it has built
 * its Response (the runtime copies a body at construction; a test pins that down).
 */
export type Pins = { release(): void }[];

/**
 * What is stored for a request. `method`: the request's, so that a GET with Range that
 * finds no complete response may be answered from the part beside it (fromPart); without
 * it parts are not looked at.
 */
export async function lookupStored(
	tier: Storage,
	analysis: StoredAnalysisCache,
	primaryKey: string,
	requestHeaders: Headers,
	request: RequestCacheControl,
	nowMs: number,
	pins: Pins,
	method?: string,
): Promise<Lookup> {
	const first = accept(await tier.lookup(primaryKey), primaryKey, analysis, pins);
	if (first === undefined) {
		// Only past a miss: a hit reads no Range field.
		const part = partReading(method, requestHeaders, analysis, pins, request, nowMs);
		if (part === undefined) return URI_MISS;
		return fromPart(await tier.lookup(partKey(primaryKey)), primaryKey, URI_MISS, part);
	}
	if (first.record.kind !== "vary") return assess(primaryKey, first, request, nowMs);
	const variant = variantStorageKey(primaryKey, first.record.vary, requestHeaders);
	if (variant === undefined) return URI_MISS;
	const second = accept(await tier.lookup(variant), variant, analysis, pins);
	if (second !== undefined) return assess(variant, second, request, nowMs);
	const part = partReading(method, requestHeaders, analysis, pins, request, nowMs);
	const miss = varyMiss(primaryKey, variant, first.record);
	if (part === undefined) return miss;
	return fromPart(await tier.lookup(partKey(variant)), variant, miss, part);
}

/** lookupStored for a tier that answers at once: a hit costs no promise. */
export function lookupStoredSync(
	tier: Required<Pick<Storage, "lookupSync">>,
	analysis: StoredAnalysisCache,
	primaryKey: string,
	requestHeaders: Headers,
	request: RequestCacheControl,
	nowMs: number,
	pins: Pins,
	method?: string,
): Lookup {
	const first = accept(tier.lookupSync(primaryKey), primaryKey, analysis, pins);
	if (first === undefined) {
		// Only past a miss: a hit reads no Range field.
		const part = partReading(method, requestHeaders, analysis, pins, request, nowMs);
		if (part === undefined) return URI_MISS;
		return fromPart(tier.lookupSync(partKey(primaryKey)), primaryKey, URI_MISS, part);
	}
	if (first.record.kind !== "vary") return assess(primaryKey, first, request, nowMs);
	const variant = variantStorageKey(primaryKey, first.record.vary, requestHeaders);
	if (variant === undefined) return URI_MISS;
	const second = accept(tier.lookupSync(variant), variant, analysis, pins);
	if (second !== undefined) return assess(variant, second, request, nowMs);
	const part = partReading(method, requestHeaders, analysis, pins, request, nowMs);
	const miss = varyMiss(primaryKey, variant, first.record);
	if (part === undefined) return miss;
	return fromPart(tier.lookupSync(partKey(variant)), variant, miss, part);
}

/**
 * The complete responses stored at `keys` (a vary-miss's siblings), pinned for the request,
 * in the order given; those gone, corrupt, parts or Vary records are left out. Fresh or
 * stale: they are only offered to the origin as validators (RFC 9111 §4.3.1).
 */
export async function lookupComplete(
	tier: Storage,
	analysis: StoredAnalysisCache,
	keys: readonly string[],
	request: RequestCacheControl,
	nowMs: number,
	pins: Pins,
): Promise<Found[]> {
	const found: Found[] = [];
	for (const key of keys) {
		const hit = accept(await tier.lookup(key), key, analysis, pins);
		if (hit === undefined) continue;
		const assessed = assess(key, hit, request, nowMs);
		if (assessed.kind === "found") found.push(assessed);
	}
	return found;
}

/**
 * The Range field asking for what a stored part holds (its stored fields' Content-Range),
 * for refreshing it; undefined when they hold none.
 */
export function rangeRequestFor(storedHeaders: Headers): string | undefined {
	const part = parseContentRange(storedHeaders.get("content-range"));
	return part === undefined ? undefined : `bytes=${part.first}-${part.last}`;
}

/** What looking at a stored part needs besides the tier's answer. */
interface PartReading {
	readonly analysis: StoredAnalysisCache;
	readonly pins: Pins;
	readonly wanted: PartRequest;
	readonly request: RequestCacheControl;
	readonly nowMs: number;
}

/** A PartReading when the request (`method`, `headers`) may be answered from a part. */
function partReading(
	method: string | undefined,
	headers: Headers,
	analysis: StoredAnalysisCache,
	pins: Pins,
	request: RequestCacheControl,
	nowMs: number,
): PartReading | undefined {
	const wanted = method === undefined ? undefined : partRequestOf(method, headers);
	return wanted === undefined ? undefined : { analysis, pins, wanted, request, nowMs };
}

/**
 * The part stored beside `storageKey` (`hit`, the tier's answer for partKey), as a Found
 * when it answers the request, else `miss`: RFC 9111 §3.3 lets a part answer only what it
 * holds. Checked here: a 206 with a Content-Range we read, the body that long, If-Range
 * matching the part's validators (RFC 9110 §13.1.5: otherwise the client wants the whole
 * representation, which a part is not), and every requested byte inside it. Freshness is
 * judged after, as for a complete response.
 */
function fromPart(
	hit: CachedObject | undefined,
	storageKey: string,
	miss: Lookup,
	reading: PartReading,
): Lookup {
	const key = partKey(storageKey);
	const found = accept(hit, key, reading.analysis, reading.pins);
	if (found === undefined || found.record.kind !== "response") return miss;
	const { analyzed } = found.record;
	if (analyzed.stored.status !== 206) return miss;
	const part = parseContentRange(analyzed.headers.get("content-range"));
	if (part === undefined || partLength(part) !== found.body.byteLength) return miss;
	if (!ifRangeAllowsPartial(reading.wanted.ifRange, analyzed.validators)) return miss;
	const answer = answerFromPart(reading.wanted.range, part);
	if (answer === undefined) return miss;
	return assessStored(
		key,
		analyzed,
		found.body,
		reading.request,
		reading.nowMs,
		found.source,
		answer,
	);
}

const URI_MISS: Lookup = Object.freeze({ kind: "miss", fwd: "uri-miss" });

/**
 * A vary-miss for the variant at `storageKey`, with the siblings `record` lists that may be
 * offered for it (proxy/sibling-variants.ts). When responses vary on Accept-Encoding, only
 * those stored for the same codings: an origin that gives a representation the same tag in
 * every coding (against RFC 9110 §8.8.3, but common where compression is added after the
 * tag is made) would answer 304 to a sibling in a coding other than the one it would send,
 * and every later request of this variant would get that coding instead.
 */
function varyMiss(primaryKey: string, storageKey: string, record: VaryRecord): Lookup {
	const prefix = `${primaryKey}${VARIANT_SEPARATOR}`;
	const wanted = storageKey.slice(prefix.length);
	const byCoding = record.vary.includes("accept-encoding");
	const codings = byCoding ? variantFieldValue(wanted, "accept-encoding") : undefined;
	const siblings: string[] = [];
	for (const variant of record.variants ?? []) {
		if (variant === wanted) continue;
		if (byCoding && variantFieldValue(variant, "accept-encoding") !== codings) continue;
		siblings.push(`${prefix}${variant}`);
	}
	return { kind: "miss", fwd: "vary-miss", storageKey, siblings };
}

/** Where the variant selected by the request's fields lives (RFC 9111 §4.1). */
function variantStorageKey(
	primaryKey: string,
	vary: readonly string[],
	requestHeaders: Headers,
): string | undefined {
	const variant = variantKey(parseVary(vary.join(", ")), requestHeaders);
	return variant === undefined ? undefined : `${primaryKey}${VARIANT_SEPARATOR}${variant}`;
}

function assess(
	storageKey: string,
	found: Accepted,
	request: RequestCacheControl,
	nowMs: number,
): Lookup {
	// A Vary record where a response should be (or the reverse) is not a usable answer, nor
	// is a part: RFC 9111 §3.3, an incomplete response is never served as complete.
	if (found.record.kind !== "response" || found.record.analyzed.stored.status === 206)
		return URI_MISS;
	return assessStored(storageKey, found.record.analyzed, found.body, request, nowMs, found.source);
}

export type Found = Extract<Lookup, { kind: "found" }>;

/** The parts of a stored response that do not change between hits. */
export interface AnalyzedResponse {
	readonly stored: StoredResponse;
	readonly headers: Headers;
	readonly directives: ResponseCacheControl;
	readonly lifetimeSeconds: number;
	readonly dateValueMs: number | undefined;
	readonly ageValueSeconds: number;
	readonly validators: Readonly<StoredForConditional>;
	/**
	 * The stored fields as a hit sends them, built once: Accept-Ranges added for a 200, Age
	 * and Cache-Status left out (each hit sets its own). The runtime copies them into every
	 * Response, so this object is never changed after it is built.
	 */
	readonly servedHeaders: Headers;
	/** Cache-Status from upstream caches, which ours is appended to (RFC 9211 §2). */
	readonly upstreamCacheStatus: string | null;
	/** servedHeaders with a plain hit's Age and Cache-Status, kept per (age, ttl). */
	readonly hitHeaders: HitHeaders;
	/**
	 * No Content-Type was stored. Runtimes label a byte body they send without one
	 * application/octet-stream, which the origin never said (and which stops browsers
	 * sniffing); such a body is sent as a stream, which they leave unlabelled.
	 */
	readonly untyped: boolean;
}

export function analyzeStored(stored: StoredResponse): AnalyzedResponse {
	const headers = new Headers(stored.headers as [string, string][]);
	const effective = effectiveResponseDirectives(headers);
	const facts = {
		status: stored.status,
		headers,
		effective,
		responseTimeMs: stored.responseTimeMs,
	};
	const servedHeaders = new Headers(headers);
	servedHeaders.delete("age");
	servedHeaders.delete("cache-status");
	if (stored.status === 200) servedHeaders.set("accept-ranges", "bytes");
	const validators: StoredForConditional = validatorsFromHeaders(headers, stored.responseTimeMs);
	validators.status = stored.status;
	const upstreamCacheStatus = headers.get("cache-status");
	return {
		stored,
		headers,
		validators,
		servedHeaders,
		upstreamCacheStatus,
		hitHeaders: new HitHeaders(servedHeaders, upstreamCacheStatus),
		untyped: !headers.has("content-type"),
		directives: effective.directives,
		// A soft-purged response is stale at once; stale-while-revalidate may still serve it.
		lifetimeSeconds: stored.invalidated === true ? 0 : freshnessLifetime(facts).seconds,
		dateValueMs: headers.has("date") ? dateValueMs(facts) : undefined,
		ageValueSeconds: parseAgeValue(headers.get("age")),
	};
}

/** Age and the reuse decision for a stored response now (RFC 9111 §4.2). */
export function assessStored(
	storageKey: string,
	analyzed: AnalyzedResponse,
	body: Uint8Array,
	request: RequestCacheControl,
	nowMs: number,
	source?: CachedObject,
	part?: PartAnswer,
): Found {
	const { stored, headers, lifetimeSeconds } = analyzed;
	const ageSeconds = currentAgeSeconds({
		requestTimeMs: stored.requestTimeMs,
		responseTimeMs: stored.responseTimeMs,
		nowMs,
		dateValueMs: analyzed.dateValueMs,
		ageValueSeconds: analyzed.ageValueSeconds,
	});
	const decision = decideReuse({
		response: analyzed.directives,
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
		source,
		ageSeconds,
		lifetimeSeconds,
		decision,
		directives: analyzed.directives,
		validators: analyzed.validators,
		servedHeaders: analyzed.servedHeaders,
		upstreamCacheStatus: analyzed.upstreamCacheStatus,
		hitHeaders: analyzed.hitHeaders,
		untyped: analyzed.untyped,
		part,
	};
}

type Analyzed =
	| { readonly kind: "response"; readonly analyzed: AnalyzedResponse }
	| Exclude<DecodedRecord, { kind: "response" }>;

/**
 * What a stored response's metadata says, worked out once per stored object rather than on
 * every hit: decoding and header parsing cost more than the rest of a hit together. Keyed
 * by storage key and checked against the metadata bytes, so a replaced object never reuses
 * its predecessor's analysis. Bounded; past the bound it starts over.
 */
export class StoredAnalysisCache {
	readonly #entries = new Map<string, { readonly header: Uint8Array; readonly record: Analyzed }>();
	constructor(private readonly limit = 10_000) {}

	/** `header` may be a view of pinned bytes: a copy is kept, never the view. */
	decode(key: string, header: Uint8Array): Analyzed {
		const known = this.#entries.get(key);
		if (known !== undefined && sameBytes(known.header, header)) return known.record;
		header = header.slice();
		const decoded = decodeRecord(header);
		const record: Analyzed =
			decoded.kind === "response"
				? { kind: "response", analyzed: analyzeStored(decoded) }
				: decoded;
		if (this.#entries.size >= this.limit) this.#entries.clear();
		this.#entries.set(key, { header, record });
		return record;
	}
}

interface Accepted {
	readonly record: Analyzed;
	readonly body: Uint8Array;
	readonly source: CachedObject;
}

/** A tier's answer, analyzed and pinned for the request; undefined for none or a corrupt one. */
function accept(
	hit: CachedObject | undefined,
	key: string,
	analysis: StoredAnalysisCache,
	pins: Pins,
): Accepted | undefined {
	if (hit === undefined) return undefined;
	// Pinned, not copied: the tier keeps these bytes until the request's pins are released.
	pins.push(hit);
	const record = analysis.decode(key, hit.header);
	return record.kind === "corrupt" ? undefined : { record, body: hit.body, source: hit };
}
