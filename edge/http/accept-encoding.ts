import { parseParameter, splitFieldList } from "./field-list.ts";

/** The content codings the cache stores variants for, best first. */
export const DEFAULT_STORED_CODINGS: readonly string[] = ["br", "gzip", "identity"];

/** RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
export const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Which of the stored codings an Accept-Encoding value accepts (RFC 9110 §12.5.3), in the
 * order of `storedCodings`. Requests that accept the same stored codings get the same
 * response from us, so this set is what a variant key should hold, not the raw field
 * ("gzip, deflate, br" and "br;q=1.0, gzip" are one variant).
 *
 * - codings are case-insensitive;
 * - `*` stands for every coding not listed;
 * - q=0 means "not acceptable"; a member with an invalid weight is ignored;
 * - identity is acceptable unless excluded by "identity;q=0" or by "*;q=0" without an
 *   identity entry.
 */
export function acceptedStoredCodings(
	acceptEncoding: string,
	storedCodings: readonly string[] = DEFAULT_STORED_CODINGS,
): string[] {
	const weights = new Map<string, number>();
	for (const member of splitFieldList(acceptEncoding)) {
		const [codingPart, ...params] = member.split(";");
		const coding = codingPart?.trim().toLowerCase() ?? "";
		if (coding === "") continue;
		const weight = parseWeight(params);
		if (weight === undefined) continue;
		// A repeated coding keeps its first weight, so later duplicates cannot override it.
		if (!weights.has(coding)) weights.set(coding, weight);
	}
	const star = weights.get("*");
	return storedCodings.filter((coding) => {
		const lower = coding.toLowerCase();
		const weight = weights.get(lower);
		if (weight !== undefined) return weight > 0;
		if (star !== undefined) return star > 0;
		return lower === "identity";
	});
}

function parseWeight(params: string[]): number | undefined {
	let weight = 1;
	for (const param of params) {
		const parsed = parseParameter(param);
		if (parsed === undefined) return undefined;
		const { name, value } = parsed;
		if (name !== "q") continue;
		if (!QVALUE.test(value)) return undefined;
		weight = Number(value);
	}
	return weight;
}

/**
 * The Accept-Encoding to send the origin for a request whose response may be stored: exactly
 * the stored codings the client accepts, which is what its variant key holds (vary.ts). The
 * key reduces "gzip, deflate, zstd" and "gzip" to one variant; forwarding the raw field
 * would let the origin answer the first with zstd or deflate and that body be served to the
 * second client, who cannot decode it (RFC 9111 §4.1 allows normalizing only to identical
 * semantics). An absent field stays absent: it is a variant of its own.
 *
 * Listing codings leaves every other one unacceptable and identity acceptable (RFC 9110
 * §12.5.3), so identity is named only to exclude it, or when it is all that is left.
 */
export function originAcceptEncoding(
	acceptEncoding: string | null,
	storedCodings: readonly string[] = DEFAULT_STORED_CODINGS,
): string | null {
	if (acceptEncoding === null) return null;
	const accepted = acceptedStoredCodings(acceptEncoding, storedCodings);
	const codings = accepted.filter((coding) => coding.toLowerCase() !== "identity");
	const identity = codings.length < accepted.length;
	if (codings.length === 0) return identity ? "identity" : "identity;q=0";
	return identity ? codings.join(", ") : `${codings.join(", ")}, identity;q=0`;
}

/**
 * Whether a response coded as `contentEncoding` is one a request that sent `acceptEncoding`
 * can decode: every coding it applies (a double coding such as "gzip, br" needs both) must be
 * acceptable (RFC 9110 §12.5.3). No field accepts any coding; identity always passes, as a
 * server may send it even where excluded. The cache asks this of what it is about to store
 * in an Accept-Encoding variant: an origin that ignores the field would otherwise put a
 * coding into a variant whose clients cannot decode it.
 */
export function codingsAccepted(
	contentEncoding: string | null,
	acceptEncoding: string | null,
): boolean {
	if (contentEncoding === null || acceptEncoding === null) return true;
	for (const member of splitFieldList(contentEncoding)) {
		const named = member.trim().toLowerCase();
		// RFC 9110 §8.4.1: x-gzip and x-compress are gzip and compress.
		const coding = named === "x-gzip" ? "gzip" : named === "x-compress" ? "compress" : named;
		if (coding === "" || coding === "identity") continue;
		if (acceptedStoredCodings(acceptEncoding, [coding]).length === 0) return false;
	}
	return true;
}
