/**
 * What SWIM nodes say to each other. A UDP packet is one probe message (ping, ping-req, ack,
 * nack) with membership updates and application items piggybacked on it; push-pull (TCP)
 * exchanges whole states. Pure types; schemas in message-schema.ts, bytes in codec.ts.
 */
import type { NodeId, NodeMeta } from "./types.ts";

/** A membership update, disseminated by piggybacking until its retransmit limit. */
export type Update =
	| {
			readonly t: "alive";
			readonly id: NodeId;
			readonly address: string;
			readonly inc: number;
			readonly meta: NodeMeta;
	  }
	/** `by` is who suspects: suspicions from distinct nodes shorten the timeout. */
	| { readonly t: "suspect"; readonly id: NodeId; readonly inc: number; readonly by: NodeId }
	| { readonly t: "dead"; readonly id: NodeId; readonly inc: number; readonly by: NodeId }
	| { readonly t: "left"; readonly id: NodeId; readonly inc: number };

/** The probe protocol. `seq` pairs an ack or nack with the ping it answers. */
export type ProbeMessage =
	| { readonly t: "ping"; readonly seq: number; readonly target: NodeId }
	/** Ask the receiver to ping `target` at `targetAddress` for us and relay the ack. */
	| {
			readonly t: "pingReq";
			readonly seq: number;
			readonly target: NodeId;
			readonly targetAddress: string;
	  }
	| { readonly t: "ack"; readonly seq: number }
	/** Lifeguard: an intermediary says "I tried, no ack", so the asker knows the relay works. */
	| { readonly t: "nack"; readonly seq: number };

/** One UDP datagram's content. `app` items are opaque here: the application validates them. */
export interface Packet {
	readonly from: NodeId;
	readonly msg: ProbeMessage;
	readonly updates: readonly Update[];
	readonly app: readonly unknown[];
}

/** A member row as push-pull carries it. */
export interface MemberRecord {
	readonly id: NodeId;
	readonly address: string;
	readonly inc: number;
	readonly state: "alive" | "suspect" | "dead" | "left";
	readonly meta: NodeMeta;
}

/** A node's whole state for push-pull: every member it knows, and its application's state. */
export interface PushPullState {
	readonly from: NodeId;
	readonly address: string;
	readonly members: readonly MemberRecord[];
	/** The app-state hook's localState(), opaque here. Absent when no hook is installed. */
	readonly app?: unknown;
}
