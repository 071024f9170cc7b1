/**
 * Two sockets of a cluster file that are one. Each raft, api and gossip address is where its
 * node listens and where its peers dial it: two that reach one socket would have one member
 * take the other's messages, or the second fail to listen (EADDRINUSE) at start, far from
 * the file. Same spelling or not: `localhost:7001` and `127.0.0.1:7001` are one socket.
 *
 * Decided from the text alone, without DNS. A host is compared as the socket layer reads
 * it: lowercased; IPv4 in any spelling inet_aton takes (`127.1`, `127.000.000.001`,
 * `0x7f.1`, `2130706433`; Bun binds them all as 127.0.0.1, and the URL parser reads them
 * the same way) as its dotted quad; `localhost` as 127.0.0.1, the loopback RFC 6761 names
 * and /etc/hosts lists (Bun binds it there; a file that needs it to be another socket than
 * 127.0.0.1 works on some machines only). Other names are compared as spelled: whether two
 * names are one machine is DNS's to say, at start, not the file's.
 *
 * IPv6 literals are compared in their canonical spelling (RFC 5952), `::1` as loopback.
 *
 * The file says nothing of machines but by its addresses, so a wildcard (`0.0.0.0`, `::`), which
 * takes its port on every address of its machine, is held against: any address on that
 * port in the same node (one process, one machine), and a loopback address or another
 * wildcard on that port in any node (both reach only the dialer's own machine, so members
 * there must share one to reach each other). Not against another node's routable address:
 * that node may run elsewhere.
 */
import { isIP } from "node:net";
import { formatHostPort } from "../../edge/http/host-port.ts";

export type Address = { readonly host: string; readonly port: number };

export type NodeAddresses = Record<
	string,
	{ readonly raft: Address; readonly api: Address; readonly gossip?: Address | undefined }
>;

interface Socket {
	readonly node: string;
	/** "node 1's raft" */
	readonly where: string;
	/** host:port as written */
	readonly spelled: string;
	/** The host as the socket layer reads it. */
	readonly host: string;
	readonly port: number;
}

/** IPv4's wildcard, and IPv6's (which on Linux, dual-stack by default, takes IPv4's port too). */
const WILDCARD_V4 = "0.0.0.0";
const WILDCARD_V6 = "::";

/** The host as the socket layer reads it: see the file's comment. */
export function socketHost(host: string): string {
	const lower = host.toLowerCase();
	if (lower === "localhost") return "127.0.0.1";
	// IPv6 in its one canonical spelling (RFC 5952): `0:0:0:0:0:0:0:1` is `::1`.
	if (isIP(lower) === 6) {
		const bracketed = `http://[${lower}]/`;
		return URL.canParse(bracketed) ? new URL(bracketed).hostname.slice(1, -1) : lower;
	}
	const url = `http://${lower}/`;
	if (!URL.canParse(url)) return lower;
	const parsed = new URL(url).hostname;
	return isIP(parsed) === 4 ? parsed : lower;
}

/** The first two sockets in `nodes` that are one, named with both nodes and roles, or undefined. */
export function addressClash(nodes: NodeAddresses): string | undefined {
	const seen: Socket[] = [];
	for (const [node, addresses] of Object.entries(nodes)) {
		const roles: [string, Address | undefined][] = [
			["raft", addresses.raft],
			["api", addresses.api],
			["gossip", addresses.gossip],
		];
		for (const [role, address] of roles) {
			if (address === undefined) continue;
			const socket: Socket = {
				node,
				where: `node ${node}'s ${role}`,
				spelled: formatHostPort(address.host, address.port),
				host: socketHost(address.host),
				port: address.port,
			};
			for (const earlier of seen) {
				const clash = clashOf(earlier, socket);
				if (clash !== undefined) return clash;
			}
			seen.push(socket);
		}
	}
	return undefined;
}

function clashOf(a: Socket, b: Socket): string | undefined {
	if (a.port !== b.port) return undefined;
	if (a.spelled === b.spelled)
		return `${a.spelled} is both ${a.where} and ${b.where} address: each must be its own`;
	if (a.host === b.host)
		return `${a.spelled} (${a.where}) and ${b.spelled} (${b.where}) are one socket, ${formatHostPort(a.host, a.port)}: each address must be its own`;
	// IPv6's first: it covers IPv4's too.
	const wildcard =
		[a, b].find((s) => s.host === WILDCARD_V6) ?? [a, b].find((s) => isWildcard(s.host));
	if (wildcard === undefined) return undefined;
	const other = wildcard === a ? b : a;
	// IPv4's wildcard leaves IPv6 addresses alone.
	if (wildcard.host === WILDCARD_V4 && isIP(other.host) === 6) return undefined;
	if (a.node !== b.node && !isLoopback(other.host) && !isWildcard(other.host)) return undefined;
	return `${wildcard.spelled} (${wildcard.where}) takes port ${a.port} on every address of its machine, ${other.spelled} (${other.where}) among them: each address must be its own`;
}

function isWildcard(host: string): boolean {
	return host === WILDCARD_V4 || host === WILDCARD_V6;
}

function isLoopback(host: string): boolean {
	return host.startsWith("127.") || host === "::1";
}
