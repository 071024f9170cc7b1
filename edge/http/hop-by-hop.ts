import { splitFieldList } from "./field-list.ts";

/**
 * Fields removed before forwarding whether or not Connection names them (RFC 9110 §7.6.1:
 * "intermediaries SHOULD remove or replace fields that are known to require removal").
 * Trailer is not in that list, but it announces trailer fields of this hop's framing and
 * the cache discards trailers (RFC 9111 §3.1 allows it), so forwarding it would announce
 * fields that never come.
 */
const ALWAYS_HOP_BY_HOP = [
	"connection",
	"proxy-connection",
	"keep-alive",
	"te",
	"transfer-encoding",
	"upgrade",
	"trailer",
] as const;

/**
 * Proxy authentication fields apply only to the next hop (RFC 9110 §11.7.1-3) and a cache
 * MUST NOT store them (RFC 9111 §3.1). An edge that does no proxy authentication itself
 * should not forward a client's proxy credentials to the origin either.
 */
const PROXY_AUTH_FIELDS = [
	"proxy-authenticate",
	"proxy-authorization",
	"proxy-authentication-info",
] as const;

export interface HopByHopOptions {
	/** Also strip the proxy authentication fields (default true); see PROXY_AUTH_FIELDS. */
	stripProxyAuth?: boolean;
}

/** The lowercase names of every field that must not cross this hop. */
export function hopByHopFieldNames(headers: Headers, options: HopByHopOptions = {}): Set<string> {
	const names = new Set<string>(ALWAYS_HOP_BY_HOP);
	if (options.stripProxyAuth ?? true) for (const name of PROXY_AUTH_FIELDS) names.add(name);
	// Headers.get joins repeated Connection lines with ", ", so one split covers them all;
	// connection options are case-insensitive (§7.6.1).
	const connection = headers.get("connection");
	if (connection !== null) {
		for (const option of splitFieldList(connection)) names.add(option.toLowerCase());
	}
	return names;
}

/** A copy of the headers without the hop-by-hop fields (RFC 9110 §7.6.1). */
export function withoutHopByHop(headers: Headers, options: HopByHopOptions = {}): Headers {
	const drop = hopByHopFieldNames(headers, options);
	const kept = new Headers();
	// Set-Cookie must stay separate lines, so copy it by getSetCookie, not the joined value.
	for (const [name, value] of headers) {
		if (drop.has(name) || name === "set-cookie") continue;
		kept.append(name, value);
	}
	if (!drop.has("set-cookie")) {
		for (const cookie of headers.getSetCookie()) kept.append("set-cookie", cookie);
	}
	return kept;
}
