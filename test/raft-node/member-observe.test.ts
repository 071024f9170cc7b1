/**
 * A member's /metrics.json, /metrics and /health: the pure pieces (health rules, the
 * Prometheus text), then a real single-voter member (its log in a temp dir) and a member
 * of three started alone, which can elect no leader and says so.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { HealthAnswer, MetricsAnswer } from "../../cluster/kv/http-api.ts";
import {
	type ControlPlane,
	type MemberPlan,
	singleNodePlan,
	startControlPlane,
} from "../../cluster/node/control-plane.ts";
import {
	MAX_APPLY_LAG,
	type MemberStatus,
	memberHealth,
	memberMetrics,
} from "../../cluster/raft-node/member-metrics.ts";
import { renderMemberPrometheus } from "../../cluster/raft-node/member-prometheus.ts";
import { freeLoopbackPorts } from "../../scripts/lib/free-ports.ts";
import { expositionProblems } from "./exposition.ts";

const root = mkdtempSync(join(tmpdir(), "neuro-observe-"));
const planes: ControlPlane[] = [];
afterAll(async () => {
	for (const plane of planes) await plane.close(100);
	rmSync(root, { recursive: true, force: true });
});

const status = (over: Partial<MemberStatus> = {}): MemberStatus => ({
	id: 2,
	role: "follower",
	term: 3,
	leader: 1,
	commit: 10,
	applied: 10,
	lastIndex: 12,
	snapshotIndex: 0,
	...over,
});

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
	const deadline = Date.now() + 10_000;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

describe("member health (pure)", () => {
	test("healthy with a leader and applied within reach of commit", () => {
		expect(memberHealth(status())).toEqual({ ok: true, leader: 1, commit: 10, applied: 10 });
		expect(memberHealth(status({ commit: 10 + MAX_APPLY_LAG, applied: 10 })).ok).toBe(true);
	});

	test("unhealthy with no leader, or applied too far behind commit, with the reason", () => {
		expect(memberHealth(status({ leader: 0 }))).toMatchObject({ ok: false, reason: "no-leader" });
		expect(memberHealth(status({ commit: 11 + MAX_APPLY_LAG, applied: 10 }))).toMatchObject({
			ok: false,
			reason: "applying",
			message: `applied 10 trails commit ${11 + MAX_APPLY_LAG} by more than ${MAX_APPLY_LAG}`,
		});
	});
});

describe("member metrics as Prometheus text (pure)", () => {
	const noSyncs = {
		count: 0,
		sumMs: 0,
		maxMs: 0,
		p50Ms: undefined,
		p90Ms: undefined,
		p99Ms: undefined,
	};
	test("valid exposition, before any fsync and after some", () => {
		const before = renderMemberPrometheus(
			memberMetrics(status({ role: "preCandidate" }), 0, noSyncs),
		);
		expect(expositionProblems(before)).toEqual([]);
		expect(before).toContain('neuro_raft_role{role="pre-candidate"} 1');
		expect(before).toContain('neuro_raft_wal_fsync_seconds{quantile="0.5"} NaN');
		const after = renderMemberPrometheus(
			memberMetrics(status(), 4096, { count: 3, sumMs: 6, maxMs: 3, p50Ms: 2, p90Ms: 3, p99Ms: 3 }),
		);
		expect(expositionProblems(after)).toEqual([]);
		expect(after).toContain("neuro_raft_wal_fsyncs_total 3\n");
		expect(after).toContain('neuro_raft_wal_fsync_seconds{quantile="0.99"} 0.003\n');
		expect(after).toContain("neuro_raft_log_bytes 4096\n");
		expect(after).toContain("neuro_raft_log_entries 12\n");
		const compacted = renderMemberPrometheus(
			memberMetrics(status({ snapshotIndex: 10 }), 4096, {
				count: 0,
				sumMs: 0,
				maxMs: 0,
				p50Ms: undefined,
				p90Ms: undefined,
				p99Ms: undefined,
			}),
		);
		expect(compacted).toContain("neuro_raft_log_entries 2\n");
	});

	test("the exposition checker itself catches what it is for", () => {
		expect(expositionProblems("# HELP a_count x\n# TYPE a_count counter\na_count 1\n")).toEqual([
			"counter a_count does not end in _total",
		]);
		expect(expositionProblems("b 1\n")).toEqual(["sample b before its TYPE"]);
		expect(expositionProblems("# HELP c x\n# TYPE c gauge\nc one\n")).toEqual([
			"bad value in c one",
		]);
	});
});

describe("a member's observability routes", () => {
	test("a single-voter member: healthy, metrics that follow its writes", async () => {
		const plane = await startControlPlane(
			singleNodePlan(join(root, "one"), "127.0.0.1", 0),
			() => {},
		);
		planes.push(plane);
		const api = plane.apiUrl;
		await until("healthy", async () =>
			(await fetch(`${api}/health`)).status === 200 ? true : undefined,
		);
		for (let i = 0; i < 5; i++) {
			const put = await fetch(`${api}/v1/kv/k${i}`, {
				method: "PUT",
				body: JSON.stringify({ value: "v" }),
			});
			expect(put.status).toBe(200);
			await put.arrayBuffer();
		}
		const health = await fetch(`${api}/health`);
		expect(v.parse(HealthAnswer, await health.json())).toMatchObject({ ok: true, leader: 1 });

		const metrics = v.parse(MetricsAnswer, await (await fetch(`${api}/metrics.json`)).json());
		expect(metrics).toMatchObject({ id: 1, role: "leader", leader: 1 });
		expect(metrics.applied).toBe(metrics.commit);
		// The leader's no-op and five writes.
		expect(metrics.log.entries).toBeGreaterThanOrEqual(6);
		expect(metrics.log.bytes).toBeGreaterThan(0);
		expect(metrics.fsync.count).toBeGreaterThanOrEqual(1);
		const { p50Ms, p90Ms, p99Ms } = metrics.fsync;
		expect(p50Ms).not.toBeNull();
		expect(p50Ms as number).toBeLessThanOrEqual(p90Ms as number);
		expect(p90Ms as number).toBeLessThanOrEqual(p99Ms as number);

		const text = await fetch(`${api}/metrics`);
		expect(text.headers.get("content-type")).toContain("text/plain; version=0.0.4");
		const body = await text.text();
		expect(expositionProblems(body)).toEqual([]);
		expect(body).toContain(`neuro_raft_applied_index ${metrics.applied}\n`);
		expect(body).toContain('neuro_raft_role{role="leader"} 1\n');
	});

	test("a member of three with no peer up: 503 no-leader, metrics still served", async () => {
		const [a, b, c, d] = freeLoopbackPorts(4) as [number, number, number, number];
		const here = { host: "127.0.0.1", port: 0 };
		const plan: MemberPlan = {
			id: 1,
			nodes: new Map([
				[1, { raft: here, api: here }],
				[2, { raft: { host: "127.0.0.1", port: a }, api: { host: "127.0.0.1", port: b } }],
				[3, { raft: { host: "127.0.0.1", port: c }, api: { host: "127.0.0.1", port: d } }],
			]),
			founding: [1, 2, 3],
			dataDir: join(root, "alone"),
			tickMs: 10,
			electionTicks: 5,
			heartbeatTicks: 1,
		};
		const plane = await startControlPlane(plan, () => {});
		planes.push(plane);
		const health = await fetch(`${plane.apiUrl}/health`);
		expect(health.status).toBe(503);
		expect(v.parse(HealthAnswer, await health.json())).toMatchObject({
			ok: false,
			reason: "no-leader",
		});
		const metrics = v.parse(
			MetricsAnswer,
			await (await fetch(`${plane.apiUrl}/metrics.json`)).json(),
		);
		expect(metrics.leader).toBeNull();
		expect(metrics.role).not.toBe("leader");
	});
});
