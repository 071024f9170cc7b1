/**
 * What a purge asks for and how the edge carries one out, in one place: the edge's own
 * `/_neuro/purge` route and the control plane's replicated purges (cluster/purge/) share
 * the request shape and its validation, and a node hands committed purges to `purger()`
 * without reaching into the tier or the cache-key rules.
 */
import * as v from "valibot";
import { type HostsConfig, routeFor } from "./config/hosts.ts";
import { type RoutesHolder, routesHolder } from "./config/routes-holder.ts";
import { primaryCacheKey } from "./http/cache-key.ts";
import { isNameableTag, MAX_TAG_LENGTH } from "./http/purge-tags.ts";
import { VARIANT_SEPARATOR } from "./proxy/cache-read.ts";
import { keyConfigFor } from "./proxy/request-target.ts";
import { softPurge } from "./proxy/soft-purge.ts";
import type { PurgeSelector, Storage } from "./store/storage.ts";

export const MAX_PURGE_URL_LENGTH = 8192;

const AbsoluteHttpUrl = v.pipe(
	v.string("must be a string"),
	v.maxLength(MAX_PURGE_URL_LENGTH, `must be at most ${MAX_PURGE_URL_LENGTH} characters`),
	v.url("must be an absolute URL"),
	v.regex(/^https?:\/\//i, "must be an http(s) URL"),
);
const Soft = v.optional(v.boolean("soft must be true or false"));

const Tag = v.pipe(
	v.string("must be a string"),
	v.minLength(1, "tag must not be empty"),
	v.maxLength(MAX_TAG_LENGTH, `tag must be at most ${MAX_TAG_LENGTH} characters`),
);

/**
 * A tag as a client may name it: also without commas or whitespace, which separate the tags
 * of Cache-Tag and Surrogate-Key (http/purge-tags.ts), so no stored object carries such a
 * tag and a purge naming one would purge nothing while answering as if it had.
 */
const ClientTag = v.pipe(
	Tag,
	v.check(isNameableTag, "tag must not contain a comma or whitespace (they separate tags)"),
);

/**
 * A prefix as a client may name it: a path prefix, without a query or fragment. A prefix is
 * matched against the start of cache keys, whose queries are normalized (parameters sorted
 * or dropped per host: http/cache-key.ts), so a query in a prefix matched some of the URLs
 * it spells and not others; a URL with its query is purged with "url".
 */
const ClientPrefix = v.pipe(
	AbsoluteHttpUrl,
	v.check(
		(url) => !url.includes("?") && !url.includes("#"),
		'prefix must not carry a query or fragment (cache keys normalize queries); purge such a URL with "url"',
	),
);

const purgeRequestSchema = (
	tag: typeof Tag | typeof ClientTag,
	prefix: typeof AbsoluteHttpUrl | typeof ClientPrefix,
) =>
	v.union(
		[
			v.strictObject({ url: AbsoluteHttpUrl, soft: Soft }),
			v.strictObject({ tag, soft: Soft }),
			v.strictObject({ prefix, soft: Soft }),
		],
		'a purge is {"url": URL} or {"tag": TAG} or {"prefix": URL}, with optional "soft": true',
	);

/**
 * One purge: a URL (with all its Vary variants), every object carrying a surrogate tag, or
 * every URL starting with a prefix. `soft: true` marks matches stale instead of dropping
 * them (they may still serve stale while revalidating).
 *
 * This is the shape purges are decoded with from the replicated log and its snapshots,
 * which may hold purges accepted before a rule was added: it stays as lenient as it was.
 * Purges from clients are checked with ClientPurgeRequestSchema.
 */
export const PurgeRequestSchema = purgeRequestSchema(Tag, AbsoluteHttpUrl);

/** A purge as a client asks for one (the edge's /_neuro/purge, the cluster's /v1/purge). */
export const ClientPurgeRequestSchema = purgeRequestSchema(ClientTag, ClientPrefix);

export type PurgeRequest = v.InferOutput<typeof PurgeRequestSchema>;

/** Carries out a purge on this process's tier; resolves to how many objects it touched. */
export type Purger = (request: PurgeRequest) => Promise<number>;

/**
 * The selectors a purge comes to, under the cache-key rules of the URL's host route: a URL
 * is its GET key plus every variant stored under it; a prefix is the GET key prefix (HEAD
 * is keyed as GET, and only GET and HEAD are stored), variants included. A URL the cache
 * would never key (bad host, userinfo) selects nothing.
 */
export function purgeSelectors(routes: HostsConfig, request: PurgeRequest): PurgeSelector[] {
	if ("tag" in request) return [{ tag: request.tag }];
	const url = "url" in request ? request.url : request.prefix;
	// Routed as the proxy routes a request for it (request-target.ts), so the key is
	// computed under the same host's rules as the request that stored it.
	const parsed = URL.canParse(url) ? new URL(url) : undefined;
	const route = routeFor(routes, parsed?.host ?? null, parsed?.protocol.slice(0, -1));
	const key = primaryCacheKey({ method: "GET", url }, keyConfigFor(route));
	if (!key.ok) return [];
	if ("prefix" in request) return [{ prefix: key.value }];
	return [{ key: key.value }, { prefix: `${key.value}${VARIANT_SEPARATOR}` }];
}

/**
 * A purge names URLs under the cache-key rules of the routes current when it runs (a
 * holder's routes may change while the node serves: config/routes-holder.ts).
 */
export function purger(tier: Storage, routes: HostsConfig | RoutesHolder): Purger {
	const holder = routesHolder(routes);
	return async (request) => {
		// All selectors in the same turn: a URL's key and its variants go together, and a
		// swept prefix (store/prefix-sweeps.ts) takes effect before its walk resolves.
		const counts = await Promise.all(
			purgeSelectors(holder.current, request).map((selector) =>
				request.soft === true ? softPurge(tier, selector) : tier.purge(selector),
			),
		);
		return counts.reduce((sum, count) => sum + count, 0);
	};
}

/**
 * Drops every object in the tier: what a node does when it learns it missed purges it
 * cannot name (a snapshot's history no longer reaches back to what it had applied).
 */
export function purgeEverything(tier: Storage): Promise<number> {
	return tier.purge({ prefix: "" });
}
