/**
 * Request fields that origins and their frameworks commonly take over the request's own
 * host, scheme, port, path or method, and that the cache key does not hold. Forwarded on a
 * GET or HEAD, they are the classic web cache poisoning vector (PortSwigger, "Practical Web
 * Cache Poisoning", 2018): one client sends `X-Forwarded-Host: evil.example`, an origin
 * that builds absolute URLs from it answers with `<script src="https://evil.example/...">`,
 * and that answer is stored under the key every other client of the page reads.
 *
 * The edge is the hop these fields are about, and what it keys by is what the origin must
 * see: the Host is set to the keyed authority (origin-fetch.ts), the scheme is named in
 * X-Forwarded-Proto from the keyed URL, and the rest are dropped. X-Forwarded-For stays:
 * it names clients, not the resource, and the edge adds nothing to it.
 *
 * Only answers that may be stored need this: an unsafe method's answer is never stored,
 * so its fields pass as the client sent them.
 */

/** Each dropped field, lowercase, with what origins take it for. */
const OVERRIDES: Readonly<Record<string, string>> = {
	// The host, for absolute URLs and virtual hosting (Symfony, Laravel, Rails, Express
	// "trust proxy", Django USE_X_FORWARDED_HOST, IIS, various CMSs).
	"x-forwarded-host": "host",
	"x-forwarded-server": "host",
	"x-host": "host",
	"x-original-host": "host",
	"x-forwarded-port": "port",
	// The scheme: an origin told "http" may redirect an https client to itself, in a loop.
	"x-forwarded-proto": "scheme",
	"x-forwarded-scheme": "scheme",
	"x-forwarded-ssl": "scheme",
	"front-end-https": "scheme",
	// RFC 7239: host= and proto= parameters say what the X-Forwarded-* above say.
	forwarded: "host and scheme",
	// The path: the origin serves another URL than the one keyed (IIS, Symfony, Zend).
	"x-original-url": "path",
	"x-rewrite-url": "path",
	"x-forwarded-prefix": "path prefix",
	// The method: a GET the origin handles as a DELETE or POST, answer stored for the GET.
	"x-http-method-override": "method",
	"x-http-method": "method",
	"x-method-override": "method",
};

/** The lowercase names of the fields dropped from a GET or HEAD to the origin. */
export const UNKEYED_OVERRIDE_FIELDS: readonly string[] = Object.keys(OVERRIDES);

/**
 * Drops the client's override fields from `headers` (a copy the caller owns) and names the
 * scheme the request is keyed by (`http` or `https`) in X-Forwarded-Proto, so an origin
 * that asks which scheme it was reached by gets the keyed one, never a client's word.
 */
export function replaceUnkeyedOverrides(headers: Headers, keyedScheme: string): void {
	for (const name of UNKEYED_OVERRIDE_FIELDS) headers.delete(name);
	headers.set("x-forwarded-proto", keyedScheme);
}
