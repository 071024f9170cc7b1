/**
 * `host:port` as a URL's authority and every address line spell it: an IPv6 literal goes
 * in brackets (RFC 3986 §3.2.2), or `::1:8080` reads as a longer address with no port.
 */
export function formatHostPort(host: string, port: number | string): string {
	return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
