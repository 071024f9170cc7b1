/**
 * A request whose variant the cache lacks, while it holds others of the same URL, offers
 * the origin their entity-tags (RFC 9111 §4.3.1). A 304 names the one the origin would
 * send (§4.3.4), and that stored response, with the 304's fields, answers the request and
 * is stored as its variant: a Vary on a field whose values mostly select one
 * representation (User-Agent, Accept-Language on a page with one language) costs a 304 per
 * new value rather than the whole body.
 *
 * Only entity-tags are offered, and only a 304 that names one is taken: a date says a
 * representation has not changed, not which one it is. A stored response in a coding the
 * client does not accept is not offered: the origin could rightly answer 304 to a tag it
 * shares (weak comparison) with what it would send, and the client would get bytes it
 * cannot decode.
 */
import { codingsAccepted } from "../http/accept-encoding.ts";
import { updateStoredHeaders } from "../http/header-update.ts";
import { buildRevalidationHeaders, selectResponsesToFreshen } from "../http/revalidation.ts";
import { parseValidators, validatorsFromHeaders } from "../http/validators.ts";
import type { Found } from "./cache-read.ts";

/** Which stored siblings may be offered for a request with `requestHeaders`. */
export function siblingsToOffer(siblings: readonly Found[], requestHeaders: Headers): Found[] {
	const accepted = requestHeaders.get("accept-encoding");
	return siblings.filter(
		(sibling) =>
			sibling.stored.status === 200 &&
			parseValidators(sibling.validators).etag !== undefined &&
			codingsAccepted(sibling.headers.get("content-encoding"), accepted),
	);
}

/** The forward's fields with If-None-Match listing the offered siblings' tags. */
export function offerHeaders(forwardHeaders: Headers, offered: readonly Found[]): Headers {
	return buildRevalidationHeaders(
		forwardHeaders,
		offered.map((sibling) => sibling.validators),
		{
			otherVariants: true,
		},
	);
}

/**
 * The offered sibling a 304 selects (§4.3.4): by strong comparison when its tag is strong,
 * else the most recent weak match; undefined when it names no tag, or none offered.
 */
export function siblingSelected(
	notModified: Headers,
	offered: readonly Found[],
): Found | undefined {
	const fields = validatorsFromHeaders(notModified);
	if (parseValidators(fields).etag === undefined) return undefined;
	const chosen = selectResponsesToFreshen(
		fields,
		offered.map((sibling) => sibling.validators),
	);
	return chosen.length === 0 ? undefined : offered[chosen[0] as number];
}

/**
 * The selected sibling as the origin's answer to this request: its stored fields updated
 * by the 304 (RFC 9111 §3.2), its stored body.
 */
export function responseFromSibling(sibling: Found, notModified: Headers): Response {
	const headers = updateStoredHeaders(sibling.headers, notModified);
	headers.set("content-length", String(sibling.body.byteLength));
	// The tier's shared Blob where it has one; else the pinned view, which the Response copies.
	const body = sibling.source?.bodyBlob?.() ?? sibling.body;
	return new Response(body, { status: sibling.stored.status, headers });
}
