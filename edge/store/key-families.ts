/**
 * Key families: a key's family is its text before its first NUL. The proxy stores a URL's
 * variants and its part under the URL's key plus a NUL and more (proxy/cache-read.ts), and
 * purges a URL as its key and the prefix `key + NUL`. A prefix that holds a NUL names one
 * family: a key it matches agrees with it up to that NUL, so has no NUL before it. The
 * memory tier indexes families, so such a purge reads the URL's own keys; a prefix
 * without a NUL (a path prefix) still reads every key.
 *
 * Keys without a NUL belong to no family and cost nothing here.
 */

const FAMILY_END = "\u0000";

/**
 * Heap bytes charged against the tier's capacity for a key's family membership: an id in
 * the family's Set and its share of the family's Map entry (the family string is the
 * key's own text, shared).
 */
export const FAMILY_MEMBERSHIP_COST = 48;

/** The family of `key`, or undefined when it has no NUL. */
export function familyOf(key: string): string | undefined {
	const end = key.indexOf(FAMILY_END);
	return end < 0 ? undefined : key.slice(0, end);
}

/**
 * The family every key starting with `prefix` belongs to; undefined when the prefix has no
 * NUL, so keys of any family (and of none) may match it.
 */
export const familyOfPrefix: (prefix: string) => string | undefined = familyOf;

/** What a key's family membership costs the tier: FAMILY_MEMBERSHIP_COST, or 0 for none. */
export function familyCharge(key: string): number {
	return key.includes(FAMILY_END) ? FAMILY_MEMBERSHIP_COST : 0;
}
