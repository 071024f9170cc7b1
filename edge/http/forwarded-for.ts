/**
 * X-Forwarded-For, as reverse proxies extend it: the address this proxy received the request
 * from goes after the addresses earlier proxies recorded, so an origin behind several hops
 * still sees the client (and trusts only the entries its own proxies added: what a client
 * sent itself stays first, where it cannot pass for a later hop). The field has no RFC; its
 * form is the de-facto one Varnish, nginx and the cloud balancers share: comma-separated
 * addresses, IPv6 without brackets or port. RFC 7239's Forwarded is its standard successor,
 * but origins read X-Forwarded-For, so that is what an edge must extend.
 */

/**
 * Appends `clientAddress` to `headers`' X-Forwarded-For. An IPv4 address a dual-stack
 * socket reports as IPv4-mapped IPv6 ("::ffff:192.0.2.1") is written as plain IPv4, as the
 * client used it. An address that is not an IP literal (a runtime's odd answer) is not added.
 */
export function appendForwardedFor(headers: Headers, clientAddress: string | undefined): void {
	const address = clientAddress === undefined ? undefined : ipLiteral(clientAddress);
	if (address === undefined) return;
	const earlier = headers.get("x-forwarded-for")?.trim() ?? "";
	headers.set("x-forwarded-for", earlier === "" ? address : `${earlier}, ${address}`);
}

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** Hex groups and colons, an optional trailing IPv4 part; a zone ("%eth0") is dropped. */
const IPV6 = /^[0-9a-f:]*:[0-9a-f:.]*$/i;

function ipLiteral(raw: string): string | undefined {
	const address = raw.trim().replace(/^\[|\]$/g, "");
	const mapped = MAPPED_IPV4.exec(address);
	if (mapped !== null) return mapped[1];
	if (IPV4.test(address)) return address;
	const withoutZone = address.split("%")[0] ?? "";
	return IPV6.test(withoutZone) ? withoutZone.toLowerCase() : undefined;
}
