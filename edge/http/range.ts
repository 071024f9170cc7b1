/**
 * Byte range requests answered from a stored full response (RFC 9110 §14).
 *
 * Policy, within what §14.2 allows:
 * - Invalid syntax, an unknown unit or an empty representation: the Range field is ignored
 *   and the full 200 is served (§14.2 "A server MAY ignore the Range header field").
 * - More than `maxRanges` range-specs, or a field longer than `maxFieldLength`: ignored too,
 *   full 200. §14.2 allows ignoring or rejecting such sets (§17.15 denial of service); we
 *   ignore rather than answer 416 because the ranges may well be satisfiable, a 416 would
 *   tell the client something false, and a 200 costs no more than the plain GET it could
 *   send anyway.
 * - Several ranges: sorted and merged when they overlap or lie closer than `coalesceGap`
 *   bytes (§14.2 allows coalescing). If one range remains it is served as a single-part 206;
 *   otherwise the full 200 (we never build multipart/byteranges). Since at most one range
 *   is ever sent, overlapping-range amplification cannot make us send more than the whole
 *   representation once.
 * - No satisfiable range-spec: 416 with `Content-Range: bytes *\/LEN` (§14.4, §15.5.17).
 */

export interface RangePolicy {
	/** Range-specs beyond this count make the field ignored. */
	maxRanges: number;
	/** A longer Range field value is ignored without parsing. */
	maxFieldLength: number;
	/** Ranges closer than this many bytes are merged into one. */
	coalesceGap: number;
}

export const DEFAULT_RANGE_POLICY: Readonly<RangePolicy> = {
	maxRanges: 16,
	maxFieldLength: 1024,
	// About the size of one multipart/byteranges part header: below that, sending the gap
	// costs less than another part would (§14.2).
	coalesceGap: 80,
};

/** Why the full representation is sent instead of a part. */
export type FullReason =
	| "no-range"
	| "invalid"
	| "unknown-unit"
	| "empty-representation"
	| "too-many-ranges"
	| "too-long"
	| "multiple-ranges"
	| "if-range-failed";

export type RangeOutcome =
	| { status: 200; reason: FullReason }
	| {
			status: 206;
			/** First byte offset, inclusive. */
			start: number;
			/** Last byte offset, inclusive. */
			end: number;
			contentRange: string;
			contentLength: number;
	  }
	| { status: 416; contentRange: string };

/** A parsed range-spec: int-range (last absent = to the end) or suffix-range. */
export type ByteRangeSpec =
	| { kind: "int"; first: number; last: number | undefined }
	| { kind: "suffix"; length: number };

export type ParsedRange =
	| { ok: true; specs: ByteRangeSpec[] }
	| { ok: false; reason: "invalid" | "unknown-unit" };

const DIGITS = /^\d+$/;

/**
 * §14.1.1 ranges-specifier for the bytes unit. A ranges-specifier with any invalid
 * range-spec is invalid as a whole. Numerals of any size are accepted (§14.1.2 MUST
 * anticipate large numerals): past 2^53 they saturate, which keeps every comparison right
 * for representations we could hold.
 */
export function parseRangeField(value: string): ParsedRange {
	const eq = value.indexOf("=");
	if (eq < 0) return { ok: false, reason: "invalid" };
	// §14.1: range units are case-insensitive tokens.
	const unit = value.slice(0, eq).trim().toLowerCase();
	if (unit !== "bytes") return { ok: false, reason: unit === "" ? "invalid" : "unknown-unit" };
	const members = value.slice(eq + 1).split(",");
	const specs: ByteRangeSpec[] = [];
	for (const raw of members) {
		const member = raw.trim();
		// §5.6.1.2: empty list elements are tolerated ("bytes=0-1,,2-3").
		if (member === "") continue;
		const spec = parseRangeSpec(member);
		if (!spec) return { ok: false, reason: "invalid" };
		specs.push(spec);
	}
	if (specs.length === 0) return { ok: false, reason: "invalid" };
	return { ok: true, specs };
}

function parseRangeSpec(member: string): ByteRangeSpec | undefined {
	const dash = member.indexOf("-");
	if (dash < 0) return undefined;
	const firstText = member.slice(0, dash);
	const lastText = member.slice(dash + 1);
	if (firstText === "") {
		if (!DIGITS.test(lastText)) return undefined;
		return { kind: "suffix", length: toSafeNumber(lastText) };
	}
	if (!DIGITS.test(firstText)) return undefined;
	const first = toSafeNumber(firstText);
	if (lastText === "") return { kind: "int", first, last: undefined };
	if (!DIGITS.test(lastText)) return undefined;
	const last = toSafeNumber(lastText);
	// §14.1.1: invalid if last-pos is less than first-pos.
	if (last < first) return undefined;
	return { kind: "int", first, last };
}

function toSafeNumber(digits: string): number {
	return Math.min(Number(digits), Number.MAX_SAFE_INTEGER);
}

/** §14.1.2: the inclusive byte interval a spec selects, or undefined when unsatisfiable. */
export function resolveSpec(
	spec: ByteRangeSpec,
	length: number,
): { start: number; end: number } | undefined {
	if (spec.kind === "suffix") {
		if (spec.length === 0 || length === 0) return undefined;
		return { start: Math.max(0, length - spec.length), end: length - 1 };
	}
	if (spec.first >= length) return undefined;
	const end = spec.last === undefined ? length - 1 : Math.min(spec.last, length - 1);
	return { start: spec.first, end };
}

/**
 * How to answer a GET whose Range field is `rangeField` (null when absent) from a stored
 * representation of `fullLength` bytes. Evaluate If-Range first (ifRangeAllowsPartial) and
 * pass null here when it failed; §14.2 also says Range is only looked at when the
 * preconditions would otherwise give 200.
 */
export function evaluateRange(
	rangeField: string | null,
	fullLength: number,
	policy: Readonly<RangePolicy> = DEFAULT_RANGE_POLICY,
): RangeOutcome {
	if (rangeField === null) return { status: 200, reason: "no-range" };
	if (rangeField.length > policy.maxFieldLength) return { status: 200, reason: "too-long" };
	const parsed = parseRangeField(rangeField);
	if (!parsed.ok) return { status: 200, reason: parsed.reason };
	if (parsed.specs.length > policy.maxRanges) return { status: 200, reason: "too-many-ranges" };
	// §14.2: a server MAY ignore Range when the representation has no content.
	if (fullLength <= 0) return { status: 200, reason: "empty-representation" };
	const intervals: { start: number; end: number }[] = [];
	for (const spec of parsed.specs) {
		const interval = resolveSpec(spec, fullLength);
		if (interval) intervals.push(interval);
	}
	if (intervals.length === 0) return { status: 416, contentRange: `bytes */${fullLength}` };
	const merged = coalesce(intervals, policy.coalesceGap);
	const only = merged[0];
	if (merged.length !== 1 || only === undefined) return { status: 200, reason: "multiple-ranges" };
	return {
		status: 206,
		start: only.start,
		end: only.end,
		contentRange: `bytes ${only.start}-${only.end}/${fullLength}`,
		contentLength: only.end - only.start + 1,
	};
}

/** Sorts and merges intervals that overlap or are closer than `gap` bytes. */
export function coalesce(
	intervals: readonly { start: number; end: number }[],
	gap: number,
): { start: number; end: number }[] {
	const sorted = [...intervals].sort((a, b) => a.start - b.start);
	const merged: { start: number; end: number }[] = [];
	for (const next of sorted) {
		const last = merged[merged.length - 1];
		if (last && next.start <= last.end + 1 + gap) last.end = Math.max(last.end, next.end);
		else merged.push({ ...next });
	}
	return merged;
}
