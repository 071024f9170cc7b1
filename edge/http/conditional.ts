import { type EntityTag, parseEntityTagList, strongMatch, weakMatch } from "./entity-tag.ts";
import { parseHttpDate } from "./http-date.ts";
import { parseValidators, type ValidatorFields } from "./validators.ts";

export {
	buildRevalidationHeaders,
	freshensStoredResponse,
	freshensValidatedResponse,
	type RevalidationOptions,
	selectResponsesToFreshen,
} from "./revalidation.ts";

export type PreconditionResult = "send-304" | "send-412" | "proceed";

/** The parts of a request that preconditions read. */
export interface ConditionalRequest {
	method: string;
	headers: Headers;
}

export interface StoredForConditional extends ValidatorFields {
	/** Status of the stored response; preconditions apply only to a 2xx (§13.2.1). */
	status?: number;
}

export interface PreconditionOptions {
	/**
	 * Also evaluate If-Match and If-Unmodified-Since. RFC 9111 §4.3.2 says they "are not
	 * applicable to a cache" (they guard the origin's state), so by default a cache leaves
	 * them to the origin; an edge that is the authority for the resource may turn this on.
	 */
	evaluateOriginPreconditions?: boolean;
}

/**
 * RFC 9110 §13.2.2 precedence, evaluated against the stored response that would be served.
 * The caller applies it only when it would otherwise serve that stored response (RFC 9111
 * §4.3.2: never for requests the cache cannot satisfy or URIs it has nothing stored for).
 */
export function evaluatePreconditions(
	request: ConditionalRequest,
	stored: StoredForConditional,
	options: PreconditionOptions = {},
): PreconditionResult {
	// §13.2.1: preconditions are ignored unless the response would be 2xx.
	if (stored.status !== undefined && (stored.status < 200 || stored.status > 299)) {
		return "proceed";
	}
	const method = request.method.toUpperCase();
	const isGetOrHead = method === "GET" || method === "HEAD";
	const headers = request.headers;
	// Most requests carry no precondition: answer before parsing the stored validators.
	if (
		options.evaluateOriginPreconditions !== true &&
		!headers.has("if-none-match") &&
		!headers.has("if-modified-since")
	) {
		return "proceed";
	}
	const validators = parseValidators(stored);

	if (options.evaluateOriginPreconditions === true) {
		const ifMatch = headers.get("if-match");
		if (ifMatch !== null) {
			// Step 1: If-Match, strong comparison (§13.1.1).
			if (!ifMatchHolds(ifMatch, validators.etag)) return "send-412";
		} else {
			// Step 2: If-Unmodified-Since only without If-Match; an invalid date or a resource
			// without a modification date makes it ignored (§13.1.4).
			const since = parseHttpDate(headers.get("if-unmodified-since"));
			const modified = validators.lastModified;
			if (since !== undefined && modified !== undefined && modified > since) return "send-412";
		}
	}

	const ifNoneMatch = headers.get("if-none-match");
	if (ifNoneMatch !== null) {
		// Step 3: If-None-Match, weak comparison (§13.1.2); false gives 304 for GET/HEAD and
		// 412 for other methods.
		if (ifNoneMatchHolds(ifNoneMatch, validators.etag)) return "proceed";
		return isGetOrHead ? "send-304" : "send-412";
	}

	// Step 4: If-Modified-Since only without If-None-Match and only for GET/HEAD; an invalid
	// date (including several members joined by a comma) is ignored (§13.1.3).
	if (isGetOrHead) {
		const since = parseHttpDate(headers.get("if-modified-since"));
		const modified = modificationDate(stored, validators.lastModified, validators.date);
		if (since !== undefined && modified !== undefined && modified <= since) return "send-304";
	}
	return "proceed";
}

/** §13.1.1: true for `*` (a stored representation exists) or a strong match. */
function ifMatchHolds(field: string, current: EntityTag | undefined): boolean {
	const tags = parseEntityTagList(field);
	if (tags === "*") return true;
	return current !== undefined && tags.some((tag) => strongMatch(tag, current));
}

/** §13.1.2: false for `*` or when any listed tag weakly matches the current one. */
function ifNoneMatchHolds(field: string, current: EntityTag | undefined): boolean {
	const tags = parseEntityTagList(field);
	if (tags === "*") return false;
	return current === undefined || !tags.some((tag) => weakMatch(tag, current));
}

/**
 * RFC 9111 §4.3.2: without Last-Modified a cache SHOULD use the stored Date, or else the
 * time it received the response.
 */
function modificationDate(
	stored: StoredForConditional,
	lastModified: number | undefined,
	date: number | undefined,
): number | undefined {
	return lastModified ?? date ?? stored.receivedAt;
}
