/**
 * The Host header field's grammar (RFC 9110 §7.2: `uri-host [ ":" port ]`, the host as in
 * RFC 3986 §3.2.2). A server must answer 400 to a request whose Host is invalid or given
 * more than once (RFC 9112 §3.2); runtimes join repeated fields with ", ", which this
 * grammar refuses too.
 *
 * It matters beyond politeness: the cache key is built from the Host, so a Host carrying
 * "/", "?", "#", "@" or spaces could make one request's key equal another URL's and poison
 * it. What passes here can only name a host and a port.
 */

/** reg-name: unreserved, pct-encoded and sub-delims (RFC 3986 §3.2.2). */
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
/** IP-literal: an IPv6 address (checked loosely: hex digits, colons, dots) or IPvFuture. */
const IP_LITERAL = /^\[(?:[0-9A-Fa-f:.]+|[vV][0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\]$/;
const PORT = /^\d{0,5}$/;

/** True when `value` is a valid Host field value. */
export function isValidHostHeader(value: string): boolean {
	let host = value;
	let port = "";
	if (value.startsWith("[")) {
		const close = value.indexOf("]");
		if (close < 0) return false;
		host = value.slice(0, close + 1);
		const rest = value.slice(close + 1);
		if (rest !== "") {
			if (!rest.startsWith(":")) return false;
			port = rest.slice(1);
		}
		if (!IP_LITERAL.test(host)) return false;
	} else {
		const colon = value.lastIndexOf(":");
		if (colon >= 0) {
			host = value.slice(0, colon);
			port = value.slice(colon + 1);
		}
		if (!REG_NAME.test(host)) return false;
	}
	return PORT.test(port) && (port === "" || Number(port) <= 65_535);
}
