/**
 * Targeted cache control fields (RFC 9213), e.g. CDN-Cache-Control: when one on this cache's
 * target list is present, valid and non-empty, its directives replace Cache-Control and
 * Expires for this cache (RFC 9213 §2.2). Surrogate-Control, the field RFC 9213 standardised
 * away, comes after it on the list, read with its own syntax (surrogate-control.ts).
 */

import {
	parseResponseCacheControl,
	type ResponseCacheControl,
	responseCacheControlFrom,
} from "./cache-control.ts";
import type { RawDirective } from "./directive-list.ts";
import { type BareItem, parseDictionary } from "./structured-dictionary.ts";
import { parseSurrogateControl } from "./surrogate-control.ts";

/**
 * RFC 9213 §2.2. A deployment puts its own field first, e.g. ["NeuroCache-Cache-Control",
 * "CDN-Cache-Control"]. The standard field outranks Surrogate-Control: an origin that sends
 * both wrote CDN-Cache-Control for caches that know it.
 */
export const DEFAULT_TARGET_LIST: readonly string[] = ["CDN-Cache-Control", "Surrogate-Control"];

export interface EffectiveResponseDirectives {
	readonly directives: ResponseCacheControl;
	/** The field the directives came from: a targeted field name or "Cache-Control". */
	readonly source: string;
	/** RFC 9213 §2.2: a selected targeted field makes the cache ignore Expires as well. */
	readonly expiresApplies: boolean;
}

/** Directives whose argument is delta-seconds (RFC 9111 §1.2.2): an Integer in a targeted field. */
const INTEGER_DIRECTIVES: ReadonlySet<string> = new Set([
	"max-age",
	"s-maxage",
	"stale-while-revalidate",
	"stale-if-error",
]);

/**
 * RFC 9213 §2.1: max-age and the other delta-seconds directives have an Integer value, and
 * values that violate these inferred constraints are not to be consumed. A String, Token,
 * Decimal, Byte Sequence or Inner List there (`max-age="10000"`, `max-age=1.5`) makes the
 * whole field unusable, like a parse error: the cache falls back to Cache-Control rather
 * than guess a lifetime from a value the field's syntax does not allow. (A bare directive
 * is the Boolean true of §2.1's mapping, read as Cache-Control reads a missing argument.)
 */
function breaksIntegerConstraint(name: string, item: BareItem): boolean {
	return INTEGER_DIRECTIVES.has(name) && item.type !== "integer" && item.type !== "boolean";
}

/**
 * Map one dictionary member to a Cache-Control directive as RFC 9213 §2.1 describes: Boolean
 * true → no argument; Integer, Token, String → that argument. Values that break the inferred
 * constraints are not consumed as valid ones (§2.1 "SHOULD NOT consume"): Boolean false drops
 * the directive, and a Byte Sequence or Inner List becomes an argument no directive accepts
 * (for delta-seconds directives, breaksIntegerConstraint has already set the field aside).
 */
function directiveFromMember(name: string, item: BareItem): RawDirective | undefined {
	switch (item.type) {
		case "boolean":
			return item.value ? { name, value: undefined } : undefined;
		case "integer":
		case "decimal":
			return { name, value: item.text };
		case "string":
		case "token":
			return { name, value: item.value };
		default:
			return { name, value: "" };
	}
}

/**
 * Parse one targeted field value. undefined means "ignore this field" (RFC 9213 §2.1: empty,
 * unparseable, or a delta-seconds directive that is not an Integer), so that the next field
 * on the target list, or Cache-Control, applies.
 */
export function parseTargetedField(
	fieldValue: string | null | undefined,
): ResponseCacheControl | undefined {
	if (fieldValue === null || fieldValue === undefined) return undefined;
	const dictionary = parseDictionary(fieldValue);
	if (dictionary === undefined || dictionary.size === 0) return undefined;
	const directives: RawDirective[] = [];
	for (const [name, item] of dictionary) {
		if (breaksIntegerConstraint(name, item)) return undefined;
		const directive = directiveFromMember(name, item);
		if (directive) directives.push(directive);
	}
	return responseCacheControlFrom(directives);
}

/** The directives this cache obeys for a response (RFC 9213 §2.2, falling back to RFC 9111 §5.2). */
export function effectiveResponseDirectives(
	headers: Headers,
	targetList: readonly string[] = DEFAULT_TARGET_LIST,
): EffectiveResponseDirectives {
	for (const fieldName of targetList) {
		const value = headers.get(fieldName);
		const directives =
			fieldName.toLowerCase() === "surrogate-control"
				? parseSurrogateControl(value)
				: parseTargetedField(value);
		if (directives) return { directives, source: fieldName, expiresApplies: false };
	}
	return {
		directives: parseResponseCacheControl(headers.get("Cache-Control")),
		source: "Cache-Control",
		expiresApplies: true,
	};
}
