import { acceptedStoredCodings, DEFAULT_STORED_CODINGS } from "./accept-encoding.ts";
import { splitFieldList, TOKEN } from "./field-list.ts";

/**
 * Secondary cache keys (RFC 9111 §4.1): a stored response with Vary may be used only when
 * the new request's listed header fields match those of the request it was stored for.
 */

export interface VaryOptions {
	/** Codings the cache stores variants for; Accept-Encoding is reduced to this set. */
	storedCodings: readonly string[];
	/** A Vary naming more fields than this is treated as `*` (nothing we could key on). */
	maxVaryFields: number;
}

export const DEFAULT_VARY_OPTIONS: Readonly<VaryOptions> = {
	storedCodings: DEFAULT_STORED_CODINGS,
	maxVaryFields: 16,
};

/**
 * A parsed Vary: no Vary (every request matches), `*` (none does) or field names,
 * lowercased, deduplicated and sorted so that "Accept, Cookie" and "cookie,accept" agree.
 */
export type VarySpec = { kind: "none" } | { kind: "star" } | { kind: "fields"; names: string[] };

/**
 * §4.1: "A stored response with a Vary header field value containing a member '*' always
 * fails to match". A member that is not a field name (garbage) gets the same treatment:
 * we cannot tell what the response varies on, so it must never be served from cache.
 */
export function parseVary(
	vary: string | null,
	options: Readonly<VaryOptions> = DEFAULT_VARY_OPTIONS,
): VarySpec {
	if (vary === null) return { kind: "none" };
	const names = new Set<string>();
	for (const member of splitFieldList(vary)) {
		if (member === "*" || !TOKEN.test(member)) return { kind: "star" };
		names.add(member.toLowerCase());
	}
	if (names.size === 0) return { kind: "none" };
	if (names.size > options.maxVaryFields) return { kind: "star" };
	return { kind: "fields", names: [...names].sort() };
}

/**
 * The variant key of a request under a Vary, or undefined for `*` (never reusable).
 * Absent and empty fields differ: §4.1 matches "absent in both" only with absent.
 */
export function variantKey(
	vary: VarySpec,
	requestHeaders: Headers,
	options: Readonly<VaryOptions> = DEFAULT_VARY_OPTIONS,
): string | undefined {
	if (vary.kind === "star") return undefined;
	if (vary.kind === "none") return "";
	const parts: [string, string | null][] = vary.names.map((name) => [
		name,
		normalizedFieldValue(name, requestHeaders.get(name), options),
	]);
	return JSON.stringify(parts);
}

/** §4.1: does the stored response's variant serve the new request? */
export function variantMatches(
	storedVary: string | null,
	storedRequestHeaders: Headers,
	newRequestHeaders: Headers,
	options: Readonly<VaryOptions> = DEFAULT_VARY_OPTIONS,
): boolean {
	const spec = parseVary(storedVary, options);
	const stored = variantKey(spec, storedRequestHeaders, options);
	return stored !== undefined && stored === variantKey(spec, newRequestHeaders, options);
}

/** Fields whose values are case-insensitive lists, safe to lowercase and re-space. */
const CASE_INSENSITIVE_LISTS = new Set(["accept", "accept-language", "accept-charset"]);

/**
 * §4.1 allows normalizing values "in a way that is known to have identical semantics":
 * Headers already combines repeated lines with ", " (§5.3); we trim, re-space list members
 * for the list fields we know, and reduce Accept-Encoding to the stored codings. Other
 * fields keep their exact value: a comma inside User-Agent is not a list separator.
 */
function normalizedFieldValue(
	name: string,
	value: string | null,
	options: Readonly<VaryOptions>,
): string | null {
	if (value === null) return null;
	if (name === "accept-encoding") {
		return acceptedStoredCodings(value, options.storedCodings).join(",");
	}
	if (CASE_INSENSITIVE_LISTS.has(name)) {
		return splitFieldList(value.toLowerCase())
			.map((member) => member.replace(/\s*;\s*/g, ";"))
			.join(",");
	}
	return value.trim();
}
