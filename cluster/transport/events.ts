/**
 * What happens to connections, as values: a reason each connection closed for, and the
 * events a transport reports (tests await them instead of sleeping; a node could log or
 * count them).
 */

import type { PayloadError } from "./codec.ts";
import { describePayloadError } from "./codec.ts";
import type { FrameError } from "./frame.ts";
import { describeFrameError } from "./frame.ts";
import type { NodeId } from "./peers.ts";

export type CloseReason =
	/** The byte stream broke the framing rules (oversized or empty frame). */
	| { readonly kind: "frame"; readonly error: FrameError }
	/** A frame after the handshake did not decode or failed the message schema. */
	| { readonly kind: "payload"; readonly error: PayloadError }
	/** The first frame was not a valid hello (or welcome, on a dialled connection). */
	| { readonly kind: "handshake"; readonly error: PayloadError }
	/** A hello from a node id that is not in the peer map (or is this node's own). */
	| { readonly kind: "unknown-peer"; readonly id: NodeId }
	/** A hello meant for another node: the dialler's peer map points here by mistake. */
	| { readonly kind: "wrong-target"; readonly to: NodeId }
	/**
	 * The cluster secret's challenge-response failed (peer-auth.ts): a wrong MAC either way,
	 * a MAC where this node has no secret or none where it has one, or a dialler that
	 * closed between its hello and its auth. `detail` says which, never the secret.
	 */
	| { readonly kind: "auth-failed"; readonly detail: string }
	/** The node that answered a dial is not the one the peer map names. */
	| { readonly kind: "wrong-peer"; readonly expected: NodeId; readonly got: NodeId }
	| { readonly kind: "handshake-timeout"; readonly ms: number }
	/** Too many accepted connections were still waiting for their hello. */
	| { readonly kind: "busy"; readonly pending: number }
	/** Bytes where the protocol has none: a listener sends only its welcome. */
	| { readonly kind: "unexpected-data" }
	/** The same peer connected again; its newer connection wins. */
	| { readonly kind: "replaced" }
	/** The peer was taken out of the peer map (a configuration change). */
	| { readonly kind: "removed" }
	| { readonly kind: "remote-closed" }
	| { readonly kind: "socket-error"; readonly message: string }
	| { readonly kind: "connect-failed"; readonly message: string }
	/** TLS (peer-tls.ts): the peer's certificate did not chain to the CA, or names another host. */
	| { readonly kind: "tls-refused"; readonly message: string }
	| { readonly kind: "shutdown" };

export type CloseKind = CloseReason["kind"];

/** Closes caused by what a remote sent: counted and logged at WARN. */
export function isBadInput(reason: CloseReason): boolean {
	switch (reason.kind) {
		case "frame":
		case "payload":
		case "handshake":
		case "unknown-peer":
		case "wrong-target":
		case "wrong-peer":
		case "auth-failed":
		case "tls-refused":
		case "unexpected-data":
		case "busy":
			return true;
		default:
			return false;
	}
}

export function describeCloseReason(reason: CloseReason): string {
	switch (reason.kind) {
		case "frame":
			return describeFrameError(reason.error);
		case "payload":
			return describePayloadError(reason.error);
		case "handshake":
			return `bad handshake: ${describePayloadError(reason.error)}`;
		case "unknown-peer":
			return `hello from node ${reason.id}, which is not a peer`;
		case "wrong-target":
			return `hello addressed to node ${reason.to}, not this node`;
		case "wrong-peer":
			return `answered by node ${reason.got}, expected node ${reason.expected}`;
		case "auth-failed":
			return `authentication failed: ${reason.detail}`;
		case "handshake-timeout":
			return `no handshake within ${reason.ms} ms`;
		case "unexpected-data":
			return "data on a dialled connection after the welcome";
		case "busy":
			return `${reason.pending} connections already await their hello`;
		case "replaced":
			return "replaced by a newer connection from the same node";
		case "removed":
			return "the node is no longer a peer";
		case "remote-closed":
			return "closed by the remote";
		case "socket-error":
			return `socket error: ${reason.message}`;
		case "connect-failed":
			return `connect failed: ${reason.message}`;
		case "tls-refused":
			return `TLS refused the peer: ${reason.message}`;
		case "shutdown":
			return "transport closed";
	}
}

export type TransportEvent =
	/** A dialled link to `peer` was welcomed: sends go out from now on. */
	| { readonly type: "peer-up"; readonly peer: NodeId }
	/** A dialled link ended or an attempt failed; `wasUp` tells which. */
	| {
			readonly type: "peer-down";
			readonly peer: NodeId;
			readonly wasUp: boolean;
			readonly reason: CloseReason;
	  }
	| {
			readonly type: "reconnect-scheduled";
			readonly peer: NodeId;
			readonly attempt: number;
			readonly delayMs: number;
	  }
	/** A connection from `peer` passed the handshake (its auth too, with a cluster secret). */
	| { readonly type: "inbound-up"; readonly peer: NodeId; readonly remote: string }
	/** An accepted connection closed; `peer` is unknown if it never passed the handshake. */
	| {
			readonly type: "inbound-closed";
			readonly peer: NodeId | undefined;
			readonly remote: string;
			readonly reason: CloseReason;
	  };
