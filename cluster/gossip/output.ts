/**
 * What the SWIM core hands its driver after each input, as etcd's Ready: packets to send,
 * push-pull exchanges to start, membership changes (INFO) and notes on suspicion (DEBUG).
 */
import type { Packet } from "./messages.ts";
import type { Member, MemberState, NodeId } from "./types.ts";

export interface Outgoing {
	/** host:port to send to (a pinged target, an asker to answer, a helper). */
	readonly to: string;
	readonly toId: NodeId;
	readonly packet: Packet;
}

export interface PushPullRequest {
	readonly id: NodeId;
	readonly address: string;
}

/** A member's row changed: its state (alive covers a join), or its metadata while alive. */
export interface MembershipEvent {
	readonly kind: MemberState | "meta";
	readonly member: Member;
	/** Its state before, undefined for a member we did not know. */
	readonly previous: MemberState | undefined;
}

export interface Output {
	readonly packets: Outgoing[];
	readonly pushPulls: PushPullRequest[];
	readonly events: MembershipEvent[];
	/** Suspicion raised or confirmed, probes failed, refutations: for DEBUG logs. */
	readonly notes: string[];
}

export function emptyOutput(): Output {
	return { packets: [], pushPulls: [], events: [], notes: [] };
}
