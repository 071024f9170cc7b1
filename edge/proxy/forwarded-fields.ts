/**
 * Which of a client's fields a forward sends: a fill asks for the whole response, so the
 * client's conditionals and Range stay between the client and the edge (fill-answer.ts
 * answers them from what comes back); a pass sends them as they came.
 */
import type { RequestCacheControl } from "../http/cache-control.ts";
import type { Found } from "./cache-read.ts";
import type { ForwardTurn } from "./turn.ts";

/** The fields by which a client asks for less than the whole response, or for it only if. */
const CLIENT_CONDITIONALS = [
	"if-none-match",
	"if-modified-since",
	"if-match",
	"if-unmodified-since",
	"if-range",
	"range",
] as const;

const NO_FIELDS: readonly string[] = Object.freeze([]);
/** What a stale part's revalidation keeps of the client's fields (see forwardedFields). */
const RANGE_FIELDS: readonly string[] = Object.freeze(["range", "if-range"]);

/** The request minus the client's own validators: a cache fill wants the whole response. */
export function withoutClientConditionals(
	headers: Headers,
	kept: readonly string[] = NO_FIELDS,
): Headers {
	const out = new Headers(headers);
	for (const name of CLIENT_CONDITIONALS) if (!kept.includes(name)) out.delete(name);
	return out;
}

/**
 * The client's fields as a forward sends them (revalidation validators are added after).
 * A pass (no turn) and an "as-sent" turn: as the client sent them. A fill: without the
 * client's conditionals and Range, so the whole response comes back to be stored. Except a
 * fill revalidating a stored part, which keeps Range and If-Range (If-Range matched the part
 * to find it): a part is kept because the whole may be too large to fetch, and the 304 that
 * freshens it, or the 206 that replaces it, answers the client's range.
 */
export function forwardedFields(
	headers: Headers,
	stale: Found | undefined,
	turn: ForwardTurn | undefined,
	fields: "fill" | "as-sent",
): Headers {
	if (turn === undefined || fields === "as-sent") return headers;
	return withoutClientConditionals(headers, stale?.part === undefined ? NO_FIELDS : RANGE_FIELDS);
}

/** A Range, or any of the client's validators (CLIENT_CONDITIONALS). */
export function asksForPart(headers: Headers): boolean {
	return headers.has("range") || carriesValidators(headers);
}

/** The client's conditionals besides Range: If-None-Match, If-Range and the rest. */
export function carriesValidators(headers: Headers): boolean {
	return CLIENT_CONDITIONALS.some((name) => name !== "range" && headers.has(name));
}

/**
 * A no-store request goes to the origin without a look at what is stored: nothing of its
 * exchange may be stored (RFC 9111 §5.2.1.5), so it neither fills nor waits on a fill.
 * Unless it also says only-if-cached, which forbids going forward at all (§5.2.1.7): a
 * stored response may still answer it (§5.2.1.5: no-store "does not apply to the already
 * stored response"), and without one usable the answer is 504.
 */
export function goesForwardAtOnce(cacheControl: RequestCacheControl): boolean {
	return cacheControl.noStore && !cacheControl.onlyIfCached;
}
