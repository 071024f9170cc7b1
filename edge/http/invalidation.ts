/**
 * Invalidation after unsafe requests (RFC 9111 §4.4).
 */

/** RFC 9110 §9.2.1: the safe methods defined there. Everything else, unknown methods included, is unsafe. */
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

export interface InvalidationInputs {
	/** Case-sensitive (RFC 9110 §9.1): "post" is an unknown, hence unsafe, method. */
	readonly method: string;
	readonly status: number;
	/** The absolute target URI of the request (RFC 9110 §7.1). */
	readonly targetUri: string;
	readonly responseHeaders: Headers;
}

/**
 * The absolute URLs to invalidate. RFC 9111 §4.4: a non-error (2xx/3xx) response to an unsafe
 * method invalidates the target URI, and may invalidate Location and Content-Location, but
 * only when they share the target's origin (scheme, host, port: RFC 9110 §4.3.1), to stop a
 * response from purging another site's content. Fragments are dropped; they never reach a cache.
 */
export function urisToInvalidate({
	method,
	status,
	targetUri,
	responseHeaders,
}: InvalidationInputs): string[] {
	if (SAFE_METHODS.has(method)) return [];
	if (status < 200 || status > 399) return [];
	const target = parseAbsolute(targetUri);
	if (target === undefined) return [];

	const uris = [target.href];
	for (const field of ["Location", "Content-Location"]) {
		const value = responseHeaders.get(field);
		if (value === null) continue;
		const candidate = parseAbsolute(value.trim(), target);
		if (
			candidate === undefined ||
			candidate.origin !== target.origin ||
			candidate.origin === "null"
		)
			continue;
		if (!uris.includes(candidate.href)) uris.push(candidate.href);
	}
	return uris;
}

/** Resolve a URI reference (Location and Content-Location may be relative, RFC 9110 §10.2.2/§8.7). */
function parseAbsolute(reference: string, base?: URL): URL | undefined {
	const url = URL.parse(reference, base?.href);
	if (url === null) return undefined;
	url.hash = "";
	return url;
}
