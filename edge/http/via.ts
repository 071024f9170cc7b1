/**
 * Via (RFC 9110 §7.6.3): "An HTTP-to-HTTP gateway MUST send an appropriate Via header
 * field in each inbound request message". It lets the origin (and any proxy after us) see
 * the hops a request took and catch a forwarding loop. We name ourselves by a fixed
 * pseudonym, as §7.6.3 allows, not by a hostname: that would tell every origin's logs how
 * the edge's machines are named.
 */

/** The received-by name this edge gives itself in Via. */
export const VIA_PSEUDONYM = "neurocache";

/**
 * Appends this hop to `headers`' Via, after the hops the request already passed (Via is a
 * list in the order the hops were made). The received-protocol is always "1.1": a Request
 * does not say which HTTP version it came in on, and HTTP/1.1 is what the adapters serve
 * unless TLS with h2 or h3 is turned on (where "2" or "3" would be exact).
 */
export function appendVia(headers: Headers): void {
	const hop = `1.1 ${VIA_PSEUDONYM}`;
	const earlier = headers.get("via")?.trim() ?? "";
	headers.set("via", earlier === "" ? hop : `${earlier}, ${hop}`);
}
