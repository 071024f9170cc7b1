/**
 * Purge tags (surrogate keys) a response names in Cache-Tag and Surrogate-Key: what a purge
 * by tag finds it by (edge/purge.ts). Each field is a list of tags separated by commas or
 * whitespace, as both conventions write them.
 *
 * Bounded, so one response cannot flood the tag index. Past the count bound the response is
 * not to be stored at all: keeping it under only some of its tags would leave it unpurged
 * by the others, served for its whole lifetime after the origin asked for it to go. A tag
 * longer than the purge API accepts is left out, as no purge could ever name it.
 */

/** At most this many distinct tags per stored response. */
export const MAX_TAGS = 64;
/** Longer tags are left out: a purge request may name at most this many characters. */
export const MAX_TAG_LENGTH = 256;

const TAG_FIELDS = ["cache-tag", "surrogate-key"] as const;

/**
 * What separates tags in those fields: commas and whitespace (JavaScript's \s, so the
 * Latin-1 no-break space a field value may carry too). No stored tag contains one, so a
 * purge naming a tag that does could never match: the purge APIs refuse such a tag.
 */
export const TAG_DELIMITERS = /[\s,]+/;

/** True when `tag` could be one of the tags a response names (it has no delimiter in it). */
export function isNameableTag(tag: string): boolean {
	return !TAG_DELIMITERS.test(tag);
}

/**
 * The distinct tags `headers` name, or undefined when they name more than MAX_TAGS: such a
 * response cannot be stored under all of them.
 */
export function purgeTags(headers: Headers): string[] | undefined {
	const tags = new Set<string>();
	for (const field of TAG_FIELDS) {
		for (const tag of (headers.get(field) ?? "").split(TAG_DELIMITERS)) {
			if (tag === "" || tag.length > MAX_TAG_LENGTH) continue;
			tags.add(tag);
			if (tags.size > MAX_TAGS) return undefined;
		}
	}
	return [...tags];
}
