/**
 * Who the peers are: node ids and their `host:port` addresses, validated once where the
 * config comes in. Ids are positive integers, as the Raft core's NodeId (0 means "none"
 * there, so it is never a node).
 */
import * as v from "valibot";
import { formatHostPort, HOST_PORT, parseHostPort } from "../../edge/http/host-port.ts";

export type NodeId = number;

export const NodeIdSchema = v.pipe(
	v.number(),
	v.safeInteger("a node id is an integer"),
	v.minValue(1, "a node id is 1 or more"),
);

export interface PeerAddress {
	readonly host: string;
	readonly port: number;
}

/** `host:port`, `[v6]:port`; a peer's port is never 0 (that means "any" only when listening). */
export const PeerAddressSchema = v.pipe(
	v.string(),
	v.regex(HOST_PORT, "expected host:port or [v6]:port"),
	v.transform((text): PeerAddress => parseHostPort(text) as PeerAddress),
	v.check((address) => address.port >= 1 && address.port <= 65_535, "port must be 1..65535"),
);

/** An address already split (as `setPeer` takes it): a host and a port a peer can use. */
export const PeerAddressObjectSchema = v.strictObject({
	host: v.pipe(v.string(), v.regex(/^(?:[0-9A-Fa-f:.]+|[A-Za-z0-9.-]+)$/, "not a host name or IP")),
	port: v.pipe(
		v.number(),
		v.safeInteger(),
		v.minValue(1, "port must be 1..65535"),
		v.maxValue(65_535, "port must be 1..65535"),
	),
});

/** A peer map as a config file writes it: `{ "2": "10.0.0.2:7000", ... }`. */
export const PeerMapSchema = v.pipe(
	// valibot's record takes an array as an object keyed "0", "1"...: refuse it outright.
	v.custom<Record<string, unknown>>(
		(input) => typeof input === "object" && input !== null && !Array.isArray(input),
		"expected an object of node id to host:port",
	),
	v.record(
		v.pipe(v.string(), v.regex(/^[1-9]\d{0,15}$/, "a node id is 1 or more")),
		PeerAddressSchema,
	),
	v.transform((record) => {
		const peers = new Map<NodeId, PeerAddress>();
		for (const [id, address] of Object.entries(record)) peers.set(Number(id), address);
		return peers;
	}),
	v.check(
		(peers) => [...peers.keys()].every((id) => Number.isSafeInteger(id)),
		"a node id is a safe integer",
	),
);

export type PeerMap = ReadonlyMap<NodeId, PeerAddress>;

export function formatAddress(address: PeerAddress): string {
	return formatHostPort(address.host, address.port);
}
