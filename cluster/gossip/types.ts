/**
 * What gossip knows about a member: who it is, where its gossip socket listens, the
 * incarnation it last claimed, its state, and the metadata it announced with that
 * incarnation. Pure types; the wire schemas are in message-schema.ts.
 */

/** A member's id: a positive integer, as the Raft core's NodeId (so one number names a node everywhere). */
export type NodeId = number;

/**
 * alive: answers probes. suspect: missed a probe; dead unless it refutes in time.
 * dead: declared so by someone's suspicion timer. left: said goodbye itself.
 */
export type MemberState = "alive" | "suspect" | "dead" | "left";

/**
 * What a node tells the fleet about itself. Versioned by the member's incarnation: a node
 * that changes its metadata bumps its incarnation, so the newest announcement wins everywhere
 * by the same rule that settles liveness.
 */
export interface NodeMeta {
	/** control: a Raft voter of the control plane; pop: a POP node serving the edge. */
	readonly role: "control" | "pop";
	/** The POP's name (pops/NAME.yaml), or "" for a node in no POP. */
	readonly pop: string;
	/** host:port of the node's HTTP edge, or "" if it serves none. */
	readonly edgeAddress: string;
	/** host:port of the node's Raft transport, or "" if it runs no Raft member. */
	readonly raftAddress: string;
}

/** One row of the member table, as the core keeps it and as push-pull sends it. */
export interface Member {
	readonly id: NodeId;
	/** host:port of its gossip socket (UDP probes, TCP push-pull on the same port). */
	readonly address: string;
	readonly incarnation: number;
	readonly state: MemberState;
	readonly meta: NodeMeta;
	/** When (local clock, ms) this row last changed state; dead and left rows are reaped from it. */
	readonly changedAt: number;
}

/** Who a packet came from: the id it claims and the address it came from (where answers go). */
export interface Peer {
	readonly id: NodeId;
	readonly address: string;
}
