/**
 * Everything one Raft node says to another, as a typed union. The core never sees bytes:
 * a driver's transport encodes and validates these at its boundary.
 */

import type { SnapshotMeta } from "./snapshot.ts";

export type NodeId = number;

/** No node: no vote cast, no leader known. Node ids are positive integers. */
export const NONE: NodeId = 0;

/** One log entry. `data` is opaque to Raft; an empty string is the leader's no-op. */
export interface Entry {
	readonly term: number;
	readonly index: number;
	readonly data: string;
}

/** What must be on disk before any message that depends on it is sent. */
export interface HardState {
	readonly term: number;
	readonly vote: NodeId;
	readonly commit: number;
}

interface Envelope {
	readonly from: NodeId;
	readonly to: NodeId;
	readonly term: number;
}

/**
 * A candidate (or pre-candidate, with `term` one above its own) asking for a vote.
 * `transfer` is set on a real vote the leader asked for (timeoutNow, leadership transfer):
 * voters then grant it despite having heard from that leader lately (its lease).
 */
export interface VoteRequest extends Envelope {
	readonly type: "vote" | "preVote";
	readonly lastIndex: number;
	readonly lastTerm: number;
	readonly transfer: boolean;
}

export interface VoteResponse extends Envelope {
	readonly type: "voteResp" | "preVoteResp";
	readonly reject: boolean;
}

/** Entries after (prevIndex, prevTerm); an empty list only probes or carries commit. */
export interface Append extends Envelope {
	readonly type: "app";
	readonly prevIndex: number;
	readonly prevTerm: number;
	readonly entries: readonly Entry[];
	readonly commit: number;
}

/**
 * Where the follower's log stands after an append. On success `index` is the last index
 * now known to match the leader's. On reject `index` echoes the rejected prevIndex, and the
 * hint lets the leader skip a whole term at once: the follower's term at prevIndex with the
 * first index it holds of that term, or (log too short) its last index.
 */
export interface AppendResponse extends Envelope {
	readonly type: "appResp";
	readonly index: number;
	readonly reject: boolean;
	readonly hint: RejectHint | undefined;
}

export type RejectHint =
	| { readonly kind: "conflict"; readonly term: number; readonly firstIndex: number }
	| { readonly kind: "short"; readonly lastIndex: number };

/**
 * Leader liveness and commit. `context` numbers the leader's heartbeat rounds (from 1 in
 * each term); the answer echoes it, which confirms ReadIndex rounds and tells flow control
 * that an append sent before that round went unanswered.
 */
export interface Heartbeat extends Envelope {
	readonly type: "heartbeat";
	readonly commit: number;
	readonly context: number;
}

export interface HeartbeatResponse extends Envelope {
	readonly type: "heartbeatResp";
	readonly context: number;
}

/**
 * One chunk of the leader's snapshot (InstallSnapshot, §7), for a follower that needs
 * entries the leader compacted. `data` is `meta`'s snapshot data from `offset`, `total` its
 * whole length (offsets and lengths count the string's UTF-16 code units); `done` marks the
 * last chunk. A follower takes chunks in order only; once it has them all and installed the
 * snapshot it answers with an `appResp` for `meta.index`, as if the entries had come.
 */
export interface SnapshotChunk extends Envelope {
	readonly type: "snap";
	readonly meta: SnapshotMeta;
	readonly total: number;
	readonly offset: number;
	readonly data: string;
	readonly done: boolean;
}

/**
 * A follower's answer to a chunk that is not the last: `offset` is how much of snapshot
 * `index` it now holds, where the next chunk must start. `reject`: the chunk did not start
 * there (lost, reordered, or the follower restarted), so resend from `offset`.
 */
export interface SnapshotChunkResponse extends Envelope {
	readonly type: "snapResp";
	readonly index: number;
	readonly offset: number;
	readonly reject: boolean;
}

/**
 * Leadership transfer (thesis §3.10): the leader, having brought this voter's log up to
 * date, tells it to campaign now, skipping PreVote and its election timeout.
 */
export interface TimeoutNow extends Envelope {
	readonly type: "timeoutNow";
}

export type Message =
	| VoteRequest
	| VoteResponse
	| Append
	| AppendResponse
	| Heartbeat
	| HeartbeatResponse
	| SnapshotChunk
	| SnapshotChunkResponse
	| TimeoutNow;

export type MessageType = Message["type"];
