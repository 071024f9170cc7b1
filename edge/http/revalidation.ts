import { type EntityTag, formatEntityTag, strongMatch, weakMatch } from "./entity-tag.ts";
import {
	isStrongLastModified,
	type ParsedValidators,
	parseValidators,
	type ValidatorFields,
} from "./validators.ts";

export interface RevalidationOptions {
	/** The forwarded request asks for a subrange: then no If-Modified-Since (§4.3.1). */
	subrange?: boolean;
	/**
	 * The stored responses are other variants than the one the request selects (§4.3.1: a
	 * cache may offer the tags of every stored response for the URL): then no
	 * If-Modified-Since. A 304 to a date says the selected representation has not changed
	 * since then, not that it is one the cache holds; an entity-tag names the representation.
	 */
	otherVariants?: boolean;
}

/**
 * The request header fields for revalidating stored responses with the origin
 * (RFC 9111 §4.3.1), starting from the client's request headers:
 * - every stored entity-tag goes into If-None-Match (MUST when present);
 * - If-Modified-Since carries Last-Modified when a single, non-subrange response is
 *   validated and it has one (SHOULD). Both are sent so old intermediaries that only know
 *   dates still answer 304.
 * The client's own If-None-Match / If-Modified-Since are replaced: the origin's answer must
 * be about our stored responses; the client's conditions are evaluated afterwards against
 * the response we end up with (§4.3.2).
 */
export function buildRevalidationHeaders(
	requestHeaders: Headers,
	stored: readonly ValidatorFields[],
	options: RevalidationOptions = {},
): Headers {
	const headers = new Headers(requestHeaders);
	headers.delete("if-none-match");
	headers.delete("if-modified-since");
	const tags: string[] = [];
	for (const fields of stored) {
		const tag = parseValidators(fields).etag;
		if (tag) {
			const text = formatEntityTag(tag);
			if (!tags.includes(text)) tags.push(text);
		}
	}
	if (tags.length > 0) headers.set("if-none-match", tags.join(", "));
	const only = stored.length === 1 ? stored[0] : undefined;
	if (only && options.subrange !== true && options.otherVariants !== true) {
		const lastModified = only.lastModified?.trim();
		if (lastModified && parseValidators(only).lastModified !== undefined) {
			headers.set("if-modified-since", lastModified);
		}
	}
	return headers;
}

/**
 * RFC 9111 §4.3.4: which of the candidate stored responses (indices into `candidates`, the
 * ones that could have been chosen for the request) a 304 freshens, by the first rule that
 * applies:
 * 1. the 304 has strong validators: every candidate sharing one of them; none → none;
 * 2. only weak validators: the most recent candidate whose validators correspond;
 * 3. no validator at all: the single candidate, if it is alone and has none either.
 */
export function selectResponsesToFreshen(
	notModified: ValidatorFields,
	candidates: readonly ValidatorFields[],
): number[] {
	const fresh = parseValidators(notModified);
	const parsed = candidates.map(parseValidators);
	const strongTag = fresh.etag && !fresh.etag.weak ? fresh.etag : undefined;
	const strongDate = isStrongLastModified(fresh) ? fresh.lastModified : undefined;

	if (strongTag !== undefined || strongDate !== undefined) {
		const chosen: number[] = [];
		parsed.forEach((candidate, index) => {
			if (sharesStrong(candidate, strongTag, strongDate)) chosen.push(index);
		});
		return chosen;
	}

	if (fresh.etag !== undefined || fresh.lastModified !== undefined) {
		let best: number | undefined;
		let bestTime = Number.NEGATIVE_INFINITY;
		parsed.forEach((candidate, index) => {
			if (!correspondsWeakly(candidate, fresh)) return;
			const time = candidate.date ?? candidates[index]?.receivedAt ?? 0;
			if (best === undefined || time > bestTime) {
				best = index;
				bestTime = time;
			}
		});
		return best === undefined ? [] : [best];
	}

	const alone = parsed.length === 1 ? parsed[0] : undefined;
	if (alone && alone.etag === undefined && alone.lastModified === undefined) return [0];
	return [];
}

/** Whether a 304 freshens one stored response (§4.3.4 with a single candidate). */
export function freshensStoredResponse(
	notModified: ValidatorFields,
	stored: ValidatorFields,
): boolean {
	return selectResponsesToFreshen(notModified, [stored]).length === 1;
}

/**
 * Whether the 304 answering our own validation of one stored response freshens it: the
 * request carried that response's validators and no others (buildRevalidationHeaders).
 *
 * A 304 with validators goes through §4.3.4 as usual. A 304 with none is not covered by
 * §4.3.4's third rule (which asks that the stored response lack validators too), but it can
 * only be about this response: to our If-None-Match it means one listed tag matched (RFC 9110
 * §13.1.2), and we listed only this response's; to our If-Modified-Since, that nothing changed
 * since this response's Last-Modified (§13.1.3). RFC 9110 §15.4.5 asks servers to send the
 * ETag in a 304, but many omit it, and refetching whole each time would defeat validation. A
 * validator field that is present but unreadable is not "none": §4.3.4 decides.
 */
export function freshensValidatedResponse(
	notModified: ValidatorFields,
	validated: ValidatorFields,
): boolean {
	const hasNone =
		(notModified.etag === null || notModified.etag === undefined) &&
		(notModified.lastModified === null || notModified.lastModified === undefined);
	return hasNone || freshensStoredResponse(notModified, validated);
}

function sharesStrong(
	candidate: ParsedValidators,
	strongTag: EntityTag | undefined,
	strongDate: number | undefined,
): boolean {
	if (strongTag !== undefined && candidate.etag !== undefined) {
		return strongMatch(candidate.etag, strongTag);
	}
	// A strong date counts only when there is no entity-tag to compare (§8.8.1: an
	// entity-tag is the more reliable validator when both are present).
	return (
		strongTag === undefined && strongDate !== undefined && candidate.lastModified === strongDate
	);
}

function correspondsWeakly(candidate: ParsedValidators, fresh: ParsedValidators): boolean {
	if (fresh.etag !== undefined) {
		return candidate.etag !== undefined && weakMatch(candidate.etag, fresh.etag);
	}
	return candidate.lastModified !== undefined && candidate.lastModified === fresh.lastModified;
}
