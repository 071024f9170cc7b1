/**
 * Stored partial content: which 206 responses the cache keeps (RFC 9111 §3.3), and which
 * Range requests one of them answers (RFC 9110 §14). Pure rules; the proxy keeps a part
 * beside the complete response's key (proxy/cache-read.ts) and never serves it as complete.
 *
 * Policy:
 * - Only a single-part 206 is kept: one `Content-Range: bytes first-last/complete` (or
 *   `/*`) whose Content-Length, when given, is last-first+1. A multipart/byteranges body
 *   holds several ranges in a framing of its own; it is not stored.
 * - A request is answered from a part only when every byte it asks for lies inside the
 *   part. Open and suffix ranges need the complete length to say where they end (§14.1.2):
 *   with `/*` they are not answered from a part. Several ranges are answered only when they
 *   coalesce into one (as range.ts does for complete responses); no multipart is built.
 */
import {
	type ByteRangeSpec,
	coalesce,
	DEFAULT_RANGE_POLICY,
	parseRangeField,
	type RangePolicy,
	resolveSpec,
} from "./range.ts";

/** The range a stored 206 holds: bytes `first` to `last` inclusive of `complete` (if known). */
export interface StoredPart {
	readonly first: number;
	readonly last: number;
	readonly complete: number | undefined;
}

/** How a request is answered from a part: bytes `start`-`end` (inclusive) of the part's body. */
export interface PartAnswer {
	readonly start: number;
	readonly end: number;
	readonly contentRange: string;
	readonly contentLength: number;
}

const DIGITS = /^\d{1,15}$/;

/**
 * RFC 9110 §14.4 Content-Range for a 206: `bytes first-last/complete` or `bytes first-last/*`.
 * Undefined for anything else: another unit, `bytes *\/len` (a 416's), last before first, or
 * a complete length the range does not fit in (§14.4: such a field is invalid).
 */
export function parseContentRange(value: string | null): StoredPart | undefined {
	if (value === null) return undefined;
	const match = /^bytes[ ]+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim());
	if (match === null) return undefined;
	const [, firstText = "", lastText = "", completeText = ""] = match;
	if (!DIGITS.test(firstText) || !DIGITS.test(lastText)) return undefined;
	const first = Number(firstText);
	const last = Number(lastText);
	if (last < first) return undefined;
	if (completeText === "*") return { first, last, complete: undefined };
	if (!DIGITS.test(completeText)) return undefined;
	const complete = Number(completeText);
	if (last >= complete) return undefined;
	return { first, last, complete };
}

/**
 * The part a 206 with these fields holds, when it is one the cache may keep (see the module
 * comment), else undefined. The body's own length is checked as it is stored: the part's
 * length is the write's expected size.
 */
export function storablePart(headers: Headers): StoredPart | undefined {
	const type = headers.get("content-type");
	if (type !== null && /^\s*multipart\/byteranges\b/i.test(type)) return undefined;
	const part = parseContentRange(headers.get("content-range"));
	if (part === undefined) return undefined;
	const length = headers.get("content-length");
	if (length !== null && length !== String(partLength(part))) return undefined;
	return part;
}

/** How many bytes a part holds. */
export function partLength(part: StoredPart): number {
	return part.last - part.first + 1;
}

/**
 * How to answer a GET with this Range field from a stored part, or undefined when the part
 * cannot answer it (the request then goes forward): a field range.ts would ignore or refuse,
 * a range whose end depends on a complete length the part does not know, several ranges
 * that stay apart, or any byte outside the part. A range that is unsatisfiable (§14.1.2) is
 * left to the origin too: a part is no authority on the representation as a whole.
 */
export function answerFromPart(
	rangeField: string,
	part: StoredPart,
	policy: Readonly<RangePolicy> = DEFAULT_RANGE_POLICY,
): PartAnswer | undefined {
	if (rangeField.length > policy.maxFieldLength) return undefined;
	const parsed = parseRangeField(rangeField);
	if (!parsed.ok || parsed.specs.length > policy.maxRanges) return undefined;
	const intervals: { start: number; end: number }[] = [];
	for (const spec of parsed.specs) {
		const interval = resolveAgainstPart(spec, part.complete);
		if (interval === undefined) return undefined;
		intervals.push(interval);
	}
	const merged = coalesce(intervals, policy.coalesceGap);
	const only = merged[0];
	if (merged.length !== 1 || only === undefined) return undefined;
	if (only.start < part.first || only.end > part.last) return undefined;
	return {
		start: only.start - part.first,
		end: only.end - part.first,
		contentRange: `bytes ${only.start}-${only.end}/${part.complete ?? "*"}`,
		contentLength: only.end - only.start + 1,
	};
}

/**
 * §14.1.2: the bytes a range-spec selects, given the complete length when known. Without
 * it only a closed int-range is definite (it cannot reach past the end of a part that
 * holds its last byte).
 */
function resolveAgainstPart(
	spec: ByteRangeSpec,
	complete: number | undefined,
): { start: number; end: number } | undefined {
	if (complete !== undefined) return resolveSpec(spec, complete);
	if (spec.kind !== "int" || spec.last === undefined) return undefined;
	return { start: spec.first, end: spec.last };
}
