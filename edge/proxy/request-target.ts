/**
 * Where a request goes and what it is cached under: its host's route, the origin URL, and
 * the GET/HEAD primary cache key. Parsing the URL and normalizing the key cost more than the
 * rest of a cache hit, and a CDN sees the same URLs again and again, so the answers are
 * memoized per (Host, URL). The routes come from a holder (config/routes-holder.ts) that the
 * node may swap while serving; the memo belongs to one routes value and starts over when the
 * holder's routes change, so every memoized answer is a pure function of those two strings
 * and the routes. Bounded in entries and in the characters they hold (an answer keeps about
 * four copies of its URL: the URL, the cache URL, the origin URL and the key); past either
 * bound it starts over, so a flood of distinct URLs costs a re-parse, never memory. A count
 * alone let a flood of long URLs (16 KiB each, what the runtime lets through) hold about
 * 200 MB.
 */
import { type HostRoute, type HostsConfig, matchRoute } from "../config/hosts.ts";
import { type RoutesHolder, routesHolder } from "../config/routes-holder.ts";
import {
	type CacheKeyConfig,
	type CacheKeyResult,
	DEFAULT_CACHE_KEY_CONFIG,
	primaryCacheKey,
} from "../http/cache-key.ts";
import { isValidHostHeader } from "../http/host-header.ts";

/** Metrics label for requests no route serves (421) or that name no valid host (400). */
export const UNKNOWN_HOST_LABEL = "(unknown)";

export interface RequestTarget {
	/**
	 * The Host header, or the URL's host without one, normalized as URLs are (lowercase,
	 * escapes decoded, the scheme's default port dropped): what routes and keys the request.
	 */
	readonly host: string;
	/** The scheme the request is keyed by ("http", "https"; "" for a bad target). */
	readonly scheme: string;
	/** undefined: no origin serves this host (421). */
	readonly route: HostRoute | undefined;
	/**
	 * The host as metrics label it: configured hosts by their configured name, hosts the
	 * default origin serves as "(default)", the rest as "(unknown)": never the raw Host.
	 */
	readonly hostLabel: string;
	/** Set when the request cannot be served at all (a bad Host): answer 400 with it. */
	readonly badRequest?: string;
	/** The absolute URI the request targets, with the Host header's authority. */
	readonly cacheUrl: string;
	/** The same path and query on the route's origin ("" without a route). */
	readonly originUrl: string;
	/** The primary cache key of a GET or HEAD (HEAD is keyed as GET). */
	readonly getKey: CacheKeyResult<string>;
}

export class RequestTargets {
	/**
	 * By Host field, then by URL: a key joined from the two cost a string concatenation and
	 * its hashing on every request (about 0.13 µs of a hit on Bun). Requests without a Host
	 * field have their own map, as no Host string may stand for "none".
	 */
	readonly #memo = new Map<string, Map<string, RequestTarget>>();
	readonly #memoWithoutHost = new Map<string, RequestTarget>();
	#memoSize = 0;
	/** The characters the memo's keys and answers hold (MEMO_CHAR_LIMIT). */
	#memoChars = 0;
	readonly #routes: RoutesHolder;
	/** The routes the memo's answers were made with. */
	#memoRoutes: HostsConfig;

	constructor(
		routes: HostsConfig | RoutesHolder,
		private readonly limit = 4096,
		private readonly charLimit = MEMO_CHAR_LIMIT,
	) {
		this.#routes = routesHolder(routes);
		this.#memoRoutes = this.#routes.current;
	}

	resolve(url: string, hostHeader: string | null): RequestTarget {
		const routes = this.#routes.current;
		if (routes !== this.#memoRoutes) {
			this.#clear();
			this.#memoRoutes = routes;
		}
		let byUrl = hostHeader === null ? this.#memoWithoutHost : this.#memo.get(hostHeader);
		const known = byUrl?.get(url);
		if (known !== undefined) return known;
		const target = resolveTarget(routes, url, hostHeader);
		const chars = heldChars(url, hostHeader, target);
		if (this.#memoSize >= this.limit || this.#memoChars + chars > this.charLimit) {
			this.#clear();
			byUrl = hostHeader === null ? this.#memoWithoutHost : undefined;
		}
		if (byUrl === undefined) {
			byUrl = new Map();
			this.#memo.set(hostHeader as string, byUrl);
		}
		byUrl.set(url, target);
		this.#memoSize++;
		this.#memoChars += chars;
		return target;
	}

	/** The characters the memo holds now: at most `charLimit`. */
	get memoizedChars(): number {
		return this.#memoChars;
	}

	#clear(): void {
		this.#memo.clear();
		this.#memoWithoutHost.clear();
		this.#memoSize = 0;
		this.#memoChars = 0;
	}
}

/** About 8 MB of strings at most (Latin-1 strings take a byte a character). */
const MEMO_CHAR_LIMIT = 8 * 2 ** 20;

/** What memoizing `target` keeps alive, in characters: its strings and the memo's keys. */
function heldChars(url: string, hostHeader: string | null, target: RequestTarget): number {
	const key = target.getKey.ok ? target.getKey.value.length : 0;
	return (
		url.length +
		(hostHeader?.length ?? 0) +
		target.host.length +
		target.cacheUrl.length +
		target.originUrl.length +
		key
	);
}

export function resolveTarget(
	routes: HostsConfig,
	rawUrl: string,
	hostHeader: string | null,
): RequestTarget {
	// RFC 9112 §3.2: an invalid Host (or several) is a 400, before anything is keyed by it.
	if (hostHeader !== null && !isValidHostHeader(hostHeader))
		return badTarget(hostHeader, "invalid Host header");
	if (!URL.canParse(rawUrl)) return badTarget(hostHeader ?? "", "invalid request target");
	const url = new URL(rawUrl);
	// Only http(s) targets are proxied: a CONNECT's authority-form target ("a.test:443")
	// parses as a URL of scheme "a.test:", whose path is the port.
	if (url.protocol !== "http:" && url.protocol !== "https:")
		return badTarget(hostHeader ?? "", "invalid request target");
	const given = hostHeader ?? url.host;
	// Route by the authority as the cache key spells it. URL parsing decodes and normalizes
	// a host ("cdn%2Etest", "%63dn.test" and "cdn.test:" all become "cdn.test"), so matching
	// the raw Host sent such spellings to the default origin while keying them as the
	// configured host, and that origin's answer was then served for the configured one.
	const authority = URL.canParse(`${url.protocol}//${given}`)
		? new URL(`${url.protocol}//${given}`).host
		: undefined;
	if (authority === undefined) return badTarget(given, "invalid Host header");
	const host = authority;
	const scheme = url.protocol.slice(0, -1);
	const chosen = matchRoute(routes, host, scheme);
	const route = chosen?.route;
	const cacheUrl = `${url.protocol}//${host}${url.pathname}${url.search}`;
	return {
		host,
		scheme,
		route,
		hostLabel: chosen?.name ?? UNKNOWN_HOST_LABEL,
		cacheUrl,
		originUrl:
			route === undefined ? "" : `${route.origin.replace(/\/$/, "")}${url.pathname}${url.search}`,
		getKey: primaryCacheKey({ method: "GET", url: cacheUrl }, keyConfigFor(route)),
	};
}

function badTarget(host: string, reason: string): RequestTarget {
	return {
		host,
		scheme: "",
		route: undefined,
		hostLabel: UNKNOWN_HOST_LABEL,
		cacheUrl: "",
		originUrl: "",
		getKey: { ok: false, error: { kind: "invalid-host", message: reason } },
		badRequest: reason,
	};
}

/** Each host's cache-key normalization, from its route in the hosts file (made once per route). */
const keyConfigs = new WeakMap<HostRoute, CacheKeyConfig>();
export function keyConfigFor(route: HostRoute | undefined): CacheKeyConfig {
	if (
		route === undefined ||
		(route.sortQuery === undefined && route.ignoreQueryParams === undefined)
	) {
		return DEFAULT_CACHE_KEY_CONFIG;
	}
	let config = keyConfigs.get(route);
	if (config === undefined) {
		config = {
			...DEFAULT_CACHE_KEY_CONFIG,
			sortQuery: route.sortQuery ?? DEFAULT_CACHE_KEY_CONFIG.sortQuery,
			ignoredQueryParams: route.ignoreQueryParams ?? [],
		};
		keyConfigs.set(route, config);
	}
	return config;
}
