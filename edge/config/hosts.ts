/**
 * Host-based routing: which origin serves which hostname. Checked once with valibot; a bad
 * config is refused with the offending field named, and nothing of it is used. Runtime-free:
 * the YAML text is parsed by the node (cluster/node/hosts-file.ts).
 *
 *   hosts:
 *     www.example.com:
 *       origin: https://origin.example.com
 *     static.example.com:
 *       origin: http://10.0.0.5:8080
 *       ignoreQueryParams: [utm_*, fbclid]
 *   default: https://origin.example.com    # optional: any other Host
 */
import * as v from "valibot";
import { IgnoredParamSchema } from "../http/cache-key-config.ts";

const HOSTNAME =
	/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/;

/** An origin: an absolute http(s) URL without query or fragment. */
export const OriginUrl = v.pipe(
	v.string("must be a URL string"),
	v.url("must be an absolute URL"),
	// valibot runs every check in a pipe even after one failed: never assume a parsed URL.
	v.check(
		(text) => /^https?:$/.test(parsedUrl(text)?.protocol ?? "http:"),
		"must be an http or https URL",
	),
	v.check((text) => !/[?#]/.test(text), "must not have a query or fragment"),
);

function parsedUrl(text: string): URL | undefined {
	return URL.canParse(text) ? new URL(text) : undefined;
}

/** strictObject reports both unknown and missing keys through one message; say which. */
export const strictKeyMessage = (issue: v.StrictObjectIssue) =>
	issue.expected === "never" ? "unknown field" : "is required";

const HostSchema = v.strictObject(
	{
		origin: OriginUrl,
		/** Query parameters left out of the cache key: exact names, or prefixes like "utm_*". */
		ignoreQueryParams: v.optional(v.array(IgnoredParamSchema)),
		sortQuery: v.optional(v.boolean("must be true or false")),
	},
	strictKeyMessage,
);

/** The hosts file's shape; a POP file embeds it as `routes` (cluster/node/pop-config.ts). */
export const HostsFileSchema = v.strictObject(
	{
		hosts: v.pipe(
			v.record(
				v.pipe(v.string(), v.toLowerCase(), v.regex(HOSTNAME, "is not a valid hostname")),
				HostSchema,
			),
			v.check((hosts) => Object.keys(hosts).length > 0, "must name at least one host"),
		),
		default: v.optional(OriginUrl),
	},
	strictKeyMessage,
);

export type HostsConfig = v.InferOutput<typeof HostsFileSchema>;
export type HostRoute = HostsConfig["hosts"][string];

export class HostsConfigError extends Error {
	override name = "HostsConfigError";
}

/**
 * Validates an already parsed config (the runtime's YAML parser runs at the boundary, in
 * cluster/node/hosts-file.ts); `source` names the file in errors.
 */
export function validateHostsConfig(raw: unknown, source: string): HostsConfig {
	const result = v.safeParse(HostsFileSchema, raw);
	if (!result.success) {
		const issue = result.issues[0];
		const path = issue.path?.map((p) => String(p.key)).join(".") || "(top level)";
		throw new HostsConfigError(`${source}: ${path}: ${issue.message}`);
	}
	return result.output;
}

/** The route for a Host header (port ignored unless configured with one), or undefined. */
export function routeFor(config: HostsConfig, hostHeader: string | null): HostRoute | undefined {
	return matchRoute(config, hostHeader)?.route;
}

/** Metrics label for hosts served by the default origin: one series, however many names. */
export const DEFAULT_ROUTE_LABEL = "(default)";

/**
 * The route and the name it was configured under: the hosts key that matched, or
 * DEFAULT_ROUTE_LABEL for the default origin (whatever the client sent as Host, so that a
 * flood of made-up names cannot make a metric series each).
 */
export function matchRoute(
	config: HostsConfig,
	hostHeader: string | null,
): { readonly route: HostRoute; readonly name: string } | undefined {
	if (hostHeader !== null) {
		const host = hostHeader.toLowerCase();
		const exact = config.hosts[host];
		if (exact !== undefined) return { route: exact, name: host };
		const withoutPort = host.replace(/:\d+$/, "");
		const named = config.hosts[withoutPort];
		if (named !== undefined) return { route: named, name: withoutPort };
	}
	return config.default === undefined
		? undefined
		: { route: { origin: config.default }, name: DEFAULT_ROUTE_LABEL };
}
