/**
 * A member's own observability routes beside its HTTP API (cluster/kv/http-api.ts):
 * `/metrics.json`, `/metrics` (Prometheus text) and `/health` (200 or 503 with the reason).
 * Each answers for this member only, leader or not: they are what a probe or a scraper asks.
 */
import { Hono } from "hono";
import { PROMETHEUS_CONTENT_TYPE } from "../../edge/metrics/registry.ts";
import type { LatencySummary } from "../raft-node/latency-histogram.ts";
import { type MemberStatus, memberHealth, memberMetrics } from "../raft-node/member-metrics.ts";
import { renderMemberPrometheus } from "../raft-node/member-prometheus.ts";

export interface ObservedMember {
	status(): MemberStatus;
	/** The log's size on disk. */
	logBytes(): Promise<number>;
	fsyncLatency(): LatencySummary;
}

export function createObserveApp(member: ObservedMember): Hono {
	const app = new Hono();
	const snapshot = async () =>
		memberMetrics(member.status(), await member.logBytes(), member.fsyncLatency());

	app.get("/metrics.json", async (c) => c.json(await snapshot()));

	app.get("/metrics", async () => {
		const text = renderMemberPrometheus(await snapshot());
		return new Response(text, { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
	});

	app.get("/health", (c) => {
		const health = memberHealth(member.status());
		return c.json(health, health.ok ? 200 : 503);
	});
	return app;
}
