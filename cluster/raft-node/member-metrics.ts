/**
 * What a member reports about itself (`/metrics.json`, `/metrics`, `/health`), built from
 * its status, its log's size and its fsync latencies. Pure: the routes gather the inputs.
 */
import type { NodeId } from "../raft/messages.ts";
import type { LatencySummary } from "./latency-histogram.ts";

export interface MemberStatus {
	readonly id: NodeId;
	readonly role: string;
	readonly term: number;
	/** 0 while no leader is known. */
	readonly leader: NodeId;
	readonly commit: number;
	readonly applied: number;
	readonly lastIndex: number;
	/** The index the log was compacted to (0 before the first snapshot). */
	readonly snapshotIndex: number;
}

export interface MemberMetrics {
	readonly id: NodeId;
	readonly term: number;
	readonly role: string;
	readonly leader: NodeId | null;
	readonly commit: number;
	readonly applied: number;
	readonly log: { readonly entries: number; readonly bytes: number };
	readonly fsync: {
		readonly count: number;
		readonly sumMs: number;
		readonly p50Ms: number | null;
		readonly p90Ms: number | null;
		readonly p99Ms: number | null;
	};
}

/** The core's "preCandidate", as the API spells roles. */
export function apiRole(role: string): string {
	return role === "preCandidate" ? "pre-candidate" : role;
}

export function memberMetrics(
	status: MemberStatus,
	logBytes: number,
	fsync: LatencySummary,
): MemberMetrics {
	return {
		id: status.id,
		term: status.term,
		role: apiRole(status.role),
		leader: status.leader === 0 ? null : status.leader,
		commit: status.commit,
		applied: status.applied,
		// Entries after the last snapshot: what a restart replays.
		log: { entries: status.lastIndex - status.snapshotIndex, bytes: logBytes },
		fsync: {
			count: fsync.count,
			sumMs: fsync.sumMs,
			p50Ms: fsync.p50Ms ?? null,
			p90Ms: fsync.p90Ms ?? null,
			p99Ms: fsync.p99Ms ?? null,
		},
	};
}

/**
 * How far applied may trail commit and still count as healthy: one full append's worth
 * (the core sends at most 256 entries per append), which a live member applies in one Ready.
 */
export const MAX_APPLY_LAG = 256;

export type MemberHealth =
	| {
			readonly ok: true;
			readonly leader: NodeId;
			readonly commit: number;
			readonly applied: number;
	  }
	| {
			readonly ok: false;
			readonly reason: "no-leader" | "applying";
			readonly message: string;
			readonly commit: number;
			readonly applied: number;
	  };

export function memberHealth(status: MemberStatus, maxLag = MAX_APPLY_LAG): MemberHealth {
	const { commit, applied } = status;
	if (status.leader === 0)
		return {
			ok: false,
			reason: "no-leader",
			message: `member ${status.id} knows no leader in term ${status.term}`,
			commit,
			applied,
		};
	if (commit - applied > maxLag)
		return {
			ok: false,
			reason: "applying",
			message: `applied ${applied} trails commit ${commit} by more than ${maxLag}`,
			commit,
			applied,
		};
	return { ok: true, leader: status.leader, commit, applied };
}
