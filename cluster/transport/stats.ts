/**
 * Counters a transport keeps: per peer (frames and bytes each way, drops by cause,
 * reconnects) and for the whole node (connections refused for bad input, by reason).
 * Bytes are wire bytes, length prefixes included.
 */
import type { CloseKind } from "./events.ts";
import type { NodeId } from "./peers.ts";

export type DropCause =
	/** Sent while the link was down (backing off): Raft retransmits. */
	| "peerDown"
	/** Sent while connecting, with the connect queue full. */
	| "queueFull"
	/** The link was up but over its buffered-bytes cap (the peer reads too slowly). */
	| "backpressure"
	/** The message encodes to more than the largest frame. */
	| "tooLarge";

export interface PeerStats {
	/** Frames handed to the socket, or kept for it on backpressure (lost if the link drops). */
	framesOut: number;
	bytesOut: number;
	framesIn: number;
	bytesIn: number;
	dropped: Record<DropCause, number>;
	/** Reconnect attempts made after a failure (the first dial is not one). */
	reconnects: number;
	/** Times the dialled link was welcomed. */
	ups: number;
}

/** The dialled link's state: never dialled, dialling, up, or waiting to redial. */
export type LinkState = "idle" | "connecting" | "open" | "backoff" | "closed";

export type PeerSnapshot = Readonly<PeerStats> & { readonly link: LinkState };

export interface TransportStats {
	readonly peers: ReadonlyMap<NodeId, PeerSnapshot>;
	/** Connections closed because of what the remote sent, by reason. */
	readonly rejected: Readonly<Partial<Record<CloseKind, number>>>;
	/** Sends to an id with no address (not in the peer map). */
	readonly unknownPeerSends: number;
}

export function emptyPeerStats(): PeerStats {
	return {
		framesOut: 0,
		bytesOut: 0,
		framesIn: 0,
		bytesIn: 0,
		dropped: { peerDown: 0, queueFull: 0, backpressure: 0, tooLarge: 0 },
		reconnects: 0,
		ups: 0,
	};
}

export function copyPeerStats(stats: PeerStats): PeerStats {
	return { ...stats, dropped: { ...stats.dropped } };
}
