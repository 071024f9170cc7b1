import { type CacheKeyConfig, DEFAULT_CACHE_KEY_CONFIG } from "./cache-key-config.ts";
import { normalizePercentEncoding } from "./percent-encoding.ts";

export {
	type CacheKeyConfig,
	type CacheKeyConfigInput,
	type CacheKeyConfigResult,
	DEFAULT_CACHE_KEY_CONFIG,
	parseCacheKeyConfig,
} from "./cache-key-config.ts";

/**
 * The primary cache key (RFC 9111 §2): request method and target URI, normalized so that
 * URIs that are the same resource (RFC 3986 §6.2.2, §6.2.3) share one entry.
 */

export type CacheKeyErrorKind =
	| "url-too-long"
	| "invalid-url"
	| "unsupported-scheme"
	| "invalid-host"
	| "userinfo";

export interface CacheKeyError {
	kind: CacheKeyErrorKind;
	message: string;
}

export type CacheKeyResult<T> = { ok: true; value: T } | { ok: false; error: CacheKeyError };

/** A hostname: DNS-like labels (RFC 1123 §2.1, with "_" seen in the wild) or an IPv6 literal. */
const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/;

/**
 * The normalized absolute URI a request is cached under: scheme and host lowercased
 * (§6.2.2.1), the default port dropped and dot-segments removed (§6.2.3, done by WHATWG
 * URL), percent-encoding normalized (§6.2.2.1-2), the fragment dropped (never sent), the
 * query filtered and sorted per config.
 */
export function normalizeCacheUrl(
	url: string,
	config: Readonly<CacheKeyConfig> = DEFAULT_CACHE_KEY_CONFIG,
): CacheKeyResult<string> {
	if (url.length > config.maxUrlLength) {
		return failure("url-too-long", `URL is ${url.length} chars, over ${config.maxUrlLength}`);
	}
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return failure("invalid-url", "not an absolute URL");
	}
	if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
		return failure("unsupported-scheme", `scheme ${parsed.protocol} is not cached`);
	}
	// RFC 9110 §4.2.4: userinfo in an http(s) URI should be treated as an error; it is a
	// way to disguise the authority.
	if (parsed.username !== "" || parsed.password !== "") {
		return failure("userinfo", "URL carries userinfo");
	}
	if (!isValidHost(parsed.hostname)) {
		return failure("invalid-host", "host is not a valid hostname or IP literal");
	}
	const port = parsed.port === "" ? "" : `:${parsed.port}`;
	let path = parsed.pathname;
	if (config.caseInsensitivePath) path = path.toLowerCase();
	path = normalizePercentEncoding(path);
	const query = normalizeQuery(parsed.search.slice(1), config);
	const search = query === "" ? "" : `?${query}`;
	return { ok: true, value: `${parsed.protocol}//${parsed.hostname}${port}${path}${search}` };
}

/**
 * The primary cache key of a request. HEAD is keyed as GET: a stored GET response can
 * answer a HEAD (RFC 9110 §9.3.2, RFC 9111 §4), so both must find the same entry.
 */
export function primaryCacheKey(
	request: { method: string; url: string },
	config: Readonly<CacheKeyConfig> = DEFAULT_CACHE_KEY_CONFIG,
): CacheKeyResult<string> {
	const url = normalizeCacheUrl(request.url, config);
	if (!url.ok) return url;
	// Methods are case-sensitive (RFC 9110 §9.1), so only the exact "HEAD" is folded.
	const method = request.method === "HEAD" ? "GET" : request.method;
	return { ok: true, value: `${method} ${url.value}` };
}

/**
 * Query pairs are kept raw (no "+" to space or re-encoding: the origin sees the bytes we
 * forward), percent-normalized, filtered and, if configured, stably sorted by name.
 */
function normalizeQuery(rawQuery: string, config: Readonly<CacheKeyConfig>): string {
	if (rawQuery === "") return "";
	const pairs: { name: string; pair: string }[] = [];
	for (const rawPair of rawQuery.split("&")) {
		if (rawPair === "") continue;
		const pair = normalizePercentEncoding(rawPair);
		const eq = pair.indexOf("=");
		const name = eq < 0 ? pair : pair.slice(0, eq);
		if (isIgnored(name, config.ignoredQueryParams)) continue;
		pairs.push({ name, pair });
	}
	// Array.prototype.sort is stable, so values of a repeated name keep their order.
	if (config.sortQuery) pairs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	return pairs.map((entry) => entry.pair).join("&");
}

function isIgnored(name: string, patterns: readonly string[]): boolean {
	for (const pattern of patterns) {
		if (pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern) {
			return true;
		}
	}
	return false;
}

function isValidHost(hostname: string): boolean {
	if (IPV6_LITERAL.test(hostname)) return true;
	if (hostname === "" || hostname.length > 253) return false;
	const labels = hostname.endsWith(".") ? hostname.slice(0, -1).split(".") : hostname.split(".");
	return labels.every((label) => HOST_LABEL.test(label));
}

function failure(kind: CacheKeyErrorKind, message: string): { ok: false; error: CacheKeyError } {
	return { ok: false, error: { kind, message } };
}
