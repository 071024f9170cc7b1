/**
 * A member's metrics (member-metrics.ts) as Prometheus text (format 0.0.4): gauges and the
 * fsync counter through the edge's registry, fsync latency as a summary (the quantiles the
 * JSON reports, in seconds as Prometheus names them). Pure.
 */
import { Registry } from "../../edge/metrics/registry.ts";
import type { MemberMetrics } from "./member-metrics.ts";

const ROLES = ["leader", "follower", "candidate", "pre-candidate", "learner"] as const;
const FSYNC = "neuro_raft_wal_fsync_seconds";

export function renderMemberPrometheus(metrics: MemberMetrics): string {
	const registry = new Registry();
	const gauge = (name: string, help: string, value: number) =>
		registry.gauge(name, help).set({}, value);
	gauge("neuro_raft_member_id", "This member's id.", metrics.id);
	gauge("neuro_raft_term", "The member's current term.", metrics.term);
	gauge("neuro_raft_leader_id", "The leader this member knows (0: none).", metrics.leader ?? 0);
	const role = registry.gauge("neuro_raft_role", "1 for the member's current role.", ["role"]);
	for (const name of ROLES) role.set({ role: name }, name === metrics.role ? 1 : 0);
	gauge("neuro_raft_commit_index", "Highest log index known committed.", metrics.commit);
	gauge("neuro_raft_applied_index", "Highest log index applied to the KV store.", metrics.applied);
	gauge("neuro_raft_log_entries", "Entries in the member's log.", metrics.log.entries);
	gauge("neuro_raft_log_bytes", "Bytes of the member's log on disk.", metrics.log.bytes);
	registry
		.counter("neuro_raft_wal_fsyncs_total", "Group commits the log fsynced.")
		.setTotal({}, metrics.fsync.count);
	const seconds = (ms: number | null) => (ms === null ? "NaN" : String(ms / 1000));
	const summary = [
		`# HELP ${FSYNC} Time of each group commit's fdatasync.`,
		`# TYPE ${FSYNC} summary`,
		`${FSYNC}{quantile="0.5"} ${seconds(metrics.fsync.p50Ms)}`,
		`${FSYNC}{quantile="0.9"} ${seconds(metrics.fsync.p90Ms)}`,
		`${FSYNC}{quantile="0.99"} ${seconds(metrics.fsync.p99Ms)}`,
		`${FSYNC}_sum ${metrics.fsync.sumMs / 1000}`,
		`${FSYNC}_count ${metrics.fsync.count}`,
	];
	return `${registry.render()}${summary.join("\n")}\n`;
}
