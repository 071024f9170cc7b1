/**
 * `host:port` as a URL's authority and every address line spell it, and back: an IPv6
 * literal goes in brackets (RFC 3986 §3.2.2), or `::1:8080` reads as a longer address with
 * no port.
 */

/** `host:port` or `[v6]:port`: a name or IPv4 address, or an IPv6 literal in brackets. */
export const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

export function formatHostPort(host: string, port: number | string): string {
	return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The host (without brackets) and port of a HOST_PORT text; undefined when it is not one.
 * The port is not range-checked: 0-99999 pass, for the caller to judge.
 */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
	const match = HOST_PORT.exec(text);
	if (match === null) return undefined;
	return { host: (match[1] ?? match[2]) as string, port: Number(match[3]) };
}
