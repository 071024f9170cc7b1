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

const HostNameSchema = v.pipe(
	v.string(),
	v.toLowerCase(),
	v.regex(HOSTNAME, "is not a valid hostname"),
	v.check((name) => portOf(name) <= 65_535, "has a port above 65535"),
	v.transform(asRequestsSpellIt),
);

/**
 * The hosts map: names lowercased and spelled as a request's Host is once parsed (URL
 * parsing reads "127.1" as 127.0.0.1), built as a null-prototype record. valibot's record
 * skips the keys "constructor", "prototype" and "__proto__" without an issue (against
 * prototype pollution), so a host named "constructor" was dropped silently; here every key
 * is an own property of an object with no prototype to pollute.
 */
const HostsMapSchema = v.pipe(
	v.custom<Readonly<Record<string, unknown>>>(
		(input) => typeof input === "object" && input !== null && !Array.isArray(input),
		"must be a mapping of host names to routes",
	),
	v.rawTransform(({ dataset, addIssue, NEVER }) => {
		const hosts: Record<string, HostRoute> = Object.create(null);
		const spelledAs = new Map<string, string>();
		for (const [spelled, value] of Object.entries(dataset.value)) {
			const at = (input: unknown): [v.IssuePathItem] => [
				{ type: "object", origin: "value", input: dataset.value, key: spelled, value: input },
			];
			const name = v.safeParse(HostNameSchema, spelled);
			if (!name.success) {
				addIssue({ message: name.issues[0].message, path: at(value) });
				return NEVER;
			}
			// Two spellings of one host ("A.test" and "a.test", "127.1" and "127.0.0.1") would
			// be one key with the last silently winning: refused while both are visible.
			const earlier = spelledAs.get(name.output);
			if (earlier !== undefined) {
				addIssue({ message: `names one host twice: "${earlier}" and "${spelled}"` });
				return NEVER;
			}
			spelledAs.set(name.output, spelled);
			const route = v.safeParse(HostSchema, value);
			if (!route.success) {
				const issue = route.issues[0];
				const inner = (issue.path ?? []) as v.IssuePathItem[];
				addIssue({ message: issue.message, path: [...at(value), ...inner] });
				return NEVER;
			}
			hosts[name.output] = route.output;
		}
		if (spelledAs.size === 0) {
			addIssue({ message: "must name at least one host" });
			return NEVER;
		}
		return hosts;
	}),
);

/** The hosts file's shape; a POP file embeds it as `routes` (cluster/node/pop-config.ts). */
export const HostsFileSchema = v.strictObject(
	{
		hosts: HostsMapSchema,
		default: v.optional(OriginUrl),
	},
	strictKeyMessage,
);

/**
 * `name` (a valid hostname, lowercased, maybe with a port) as the proxy sees the same host
 * in a request: the URL parser's host, which reads IPv4 shorthands ("127.1", "8080") as the
 * dotted address they stand for. The port is kept as written: matchRoute handles default ports.
 */
function asRequestsSpellIt(name: string): string {
	const colon = name.lastIndexOf(":");
	const host = colon < 0 ? name : name.slice(0, colon);
	const port = colon < 0 ? "" : name.slice(colon);
	return URL.canParse(`http://${host}/`) ? `${new URL(`http://${host}/`).hostname}${port}` : name;
}

/** The port a host name is written with; 0 when none. */
function portOf(name: string): number {
	const port = /:(\d+)$/.exec(name)?.[1];
	return port === undefined ? 0 : Number(port);
}

export type HostRoute = v.InferOutput<typeof HostSchema>;
export type HostsConfig = v.InferOutput<typeof HostsFileSchema>;

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

/**
 * The route for an authority (a Host header, or a URL's host), or undefined: its exact name,
 * else its name without the port, else the default origin. Default port: see matchRoute.
 */
export function routeFor(
	config: HostsConfig,
	hostHeader: string | null,
	scheme?: string,
): HostRoute | undefined {
	return matchRoute(config, hostHeader, scheme)?.route;
}

/** Metrics label for hosts served by the default origin: one series, however many names. */
export const DEFAULT_ROUTE_LABEL = "(default)";

/**
 * The route and the name it was configured under: the hosts key that matched, or
 * DEFAULT_ROUTE_LABEL for the default origin (whatever the client sent as Host, so that a
 * flood of made-up names cannot make a metric series each).
 *
 * With `scheme` ("http", "https"), an authority without a port also finds an entry written
 * with the scheme's default port ("a.test:80"): URL parsing drops that port from a Host, so
 * such an entry would otherwise never match. The proxy and the purges both route this way,
 * so a purge computes the cache key under the same host's rules as the request that stored it.
 */
export function matchRoute(
	config: HostsConfig,
	hostHeader: string | null,
	scheme?: string,
): { readonly route: HostRoute; readonly name: string } | undefined {
	if (hostHeader !== null) {
		const host = hostHeader.toLowerCase();
		const candidates = [host, host.replace(/:\d+$/, "")];
		const defaultPort = scheme === undefined ? undefined : DEFAULT_PORTS[scheme];
		if (defaultPort !== undefined && !hasPort(host)) candidates.push(`${host}:${defaultPort}`);
		for (const name of candidates) {
			const route = configuredRoute(config, name);
			if (route !== undefined) return { route, name };
		}
	}
	return config.default === undefined
		? undefined
		: { route: { origin: config.default }, name: DEFAULT_ROUTE_LABEL };
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

function hasPort(host: string): boolean {
	return host.includes(":", host.lastIndexOf("]") + 1);
}

/**
 * The entry configured under exactly `name`. Own properties only: the hosts map is a plain
 * object, and a Host of "constructor" or "__proto__" read through its prototype found
 * Object's members, which the proxy then took for a route (500 on every such request).
 */
function configuredRoute(config: HostsConfig, name: string): HostRoute | undefined {
	return Object.hasOwn(config.hosts, name) ? config.hosts[name] : undefined;
}
