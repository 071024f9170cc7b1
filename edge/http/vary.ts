import { acceptedStoredCodings, DEFAULT_STORED_CODINGS, QVALUE } from "./accept-encoding.ts";
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

/**
 * The normalized value a variant key (from variantKey) holds for field `name`: null when the
 * request lacked it, undefined when the key does not name the field or is not a variant key.
 */
export function variantFieldValue(variant: string, name: string): string | null | undefined {
	let parts: unknown;
	try {
		parts = JSON.parse(variant);
	} catch {
		return undefined;
	}
	if (!Array.isArray(parts)) return undefined;
	for (const part of parts) {
		if (!Array.isArray(part) || part[0] !== name) continue;
		const value: unknown = part[1];
		return typeof value === "string" || value === null ? value : undefined;
	}
	return undefined;
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

/** Fields whose values are case-insensitive lists of weighted members (RFC 9110 §12.4.2). */
const WEIGHTED_LISTS = new Set(["accept", "accept-language", "accept-charset"]);

/**
 * Fields whose syntax is not a list: a comma in them is not a separator, so the spaces
 * around it are part of the value ("Mozilla/5.0 (X11, Linux)"). Their values are kept
 * exact, trimmed only at the ends.
 */
const OPAQUE_FIELDS = new Set([
	"user-agent",
	"cookie",
	"authorization",
	"proxy-authorization",
	"referer",
	"from",
	"date",
	"if-modified-since",
	"if-unmodified-since",
	"if-range",
]);

/**
 * §4.1 allows "adding or removing whitespace, where allowed in the header field's syntax"
 * and normalizing "in a way that is known to have identical semantics". Headers already
 * combines repeated lines with ", " (§5.3).
 * - Accept-Encoding is reduced to the stored codings it accepts.
 * - Accept, Accept-Language and Accept-Charset are lowercased, re-spaced, their weights
 *   written one way (`q=1.0` is no weight, `q=0.50` is `q=0.5`) and their members ordered
 *   by weight, highest first. Members of equal weight keep their order: RFC 9110 §12.5.4
 *   notes that some recipients read the order of equal-weight languages as a preference,
 *   so "en, de" and "de, en" stay two variants.
 * - The opaque fields above keep their exact value.
 * - Any other field is taken as a list (§5.6.1): the whitespace around its commas, outside
 *   quoted strings, is dropped ("1,2" and " 1, 2 " agree), as are empty members. A field
 *   that is not a list but repeats is combined the same way by every recipient (§5.3), and
 *   the structured fields Vary commonly names (client hints) are lists.
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
	if (WEIGHTED_LISTS.has(name)) return normalizedWeightedList(value.toLowerCase());
	if (OPAQUE_FIELDS.has(name)) return value.trim();
	return splitFieldList(value).join(",");
}

interface WeightedMember {
	readonly text: string;
	readonly weight: number;
}

/**
 * Members re-spaced, weights canonical and ordered highest first (a stable sort). A member
 * whose weight is not a valid qvalue leaves the order as sent: what it means is unknown.
 */
function normalizedWeightedList(value: string): string {
	const members: WeightedMember[] = [];
	let ordered = true;
	for (const member of splitFieldList(value)) {
		const respaced = member.replace(/\s*;\s*/g, ";");
		const parsed = weightedMember(respaced);
		if (parsed === undefined) ordered = false;
		members.push(parsed ?? { text: respaced, weight: 0 });
	}
	if (ordered) members.sort((a, b) => b.weight - a.weight);
	return members.map((member) => member.text).join(",");
}

function weightedMember(member: string): WeightedMember | undefined {
	const at = member.lastIndexOf(";q=");
	if (at < 0) return { text: member, weight: 1 };
	const raw = member.slice(at + 3);
	if (!QVALUE.test(raw)) return undefined;
	const weight = Number(raw);
	const base = member.slice(0, at);
	return { text: weight === 1 ? base : `${base};q=${weight}`, weight };
}
