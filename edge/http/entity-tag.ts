import { splitFieldList } from "./field-list.ts";

/** An entity-tag (RFC 9110 §8.8.3): the opaque-tag keeps its quotes, as it is compared. */
export interface EntityTag {
	weak: boolean;
	/** The opaque-tag including its double quotes, e.g. `"abc"`. */
	opaque: string;
}

/** §8.8.3: opaque-tag = DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text. */
const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/;

/** One entity-tag, or undefined when the text is not one. */
export function parseEntityTag(value: string | null | undefined): EntityTag | undefined {
	if (value === null || value === undefined) return undefined;
	const m = ENTITY_TAG.exec(value.trim());
	if (!m || m[2] === undefined) return undefined;
	return { weak: m[1] !== undefined, opaque: m[2] };
}

/**
 * The value of If-Match / If-None-Match (§13.1.1, §13.1.2): `*` or a list of entity-tags.
 * Invalid members are dropped: they can match no representation, so dropping them gives the
 * same answer as comparing them, and one bad member does not void the good ones.
 */
export function parseEntityTagList(value: string): "*" | EntityTag[] {
	if (value.trim() === "*") return "*";
	const tags: EntityTag[] = [];
	for (const member of splitFieldList(value)) {
		const tag = parseEntityTag(member);
		if (tag) tags.push(tag);
	}
	return tags;
}

/** §8.8.3.2 strong comparison: both strong and the opaque-tags identical. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
	return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** §8.8.3.2 weak comparison: opaque-tags identical, either or both may be weak. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
	return a.opaque === b.opaque;
}

export function formatEntityTag(tag: EntityTag): string {
	return tag.weak ? `W/${tag.opaque}` : tag.opaque;
}
