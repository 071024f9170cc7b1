/**
 * The path of an absolute URL as the client sent it (what Request.url holds), found with
 * string scans: on Bun, parsing a URL costs more than the rest of a small request.
 */

/** Where the path starts (after `scheme://authority`); the URL's length when it has none. */
export function pathStart(url: string): number {
	const scheme = url.indexOf("://");
	const at = url.indexOf("/", scheme < 0 ? 0 : scheme + 3);
	return at < 0 ? url.length : at;
}

/** The raw path: no query, no fragment; "/" when the URL has none. */
export function rawPath(url: string): string {
	const start = pathStart(url);
	if (start === url.length) return "/";
	let end = url.length;
	for (const stop of ["?", "#"]) {
		const at = url.indexOf(stop, start);
		if (at >= 0 && at < end) end = at;
	}
	return url.slice(start, end);
}

/**
 * True for a URL in origin-form (`/path?query`), no scheme or authority: what Bun hands a
 * handler for a request that sent no Host (runtime/default-authority.ts).
 */
export function isOriginForm(url: string): boolean {
	return url.charCodeAt(0) === SLASH;
}

const SLASH = 0x2f;
