/**
 * `POST /v1/purge` (http-api.ts): a purge through the log. Answered once applied on the
 * member that took it; every member, learners too, purges its own edge as it applies the
 * entry (cluster/purge/machine.ts), so an answer means the leader's edge is purged and the
 * others' follow as the commit reaches them.
 */
import { Hono } from "hono";
import type { PurgeRequest } from "../../edge/purge.ts";
import type { PurgeResult } from "../purge/machine.ts";
import type { CommandAnswer } from "../raft-node/proposal-waiters.ts";
import { PurgeBody } from "./http-api.ts";
import { readJsonBody } from "./json-body.ts";
import type { RouteHelpers } from "./route-helpers.ts";

export interface PurgeMember {
	proposePurge(
		client: number,
		seq: number,
		purge: PurgeRequest,
	): Promise<CommandAnswer<PurgeResult>>;
}

export function purgeRoutes(member: PurgeMember, helpers: RouteHelpers): Hono {
	const app = new Hono();
	app.post("/v1/purge", async (c) => {
		const body = await readJsonBody(c.req.raw, PurgeBody, {
			shape: '{"url" | "tag" | "prefix": "...", "soft"?: true}',
		});
		if (!body.ok) return helpers.refuse(body.message);
		const session = helpers.sessionOf(c.req.raw.headers);
		if (!session.ok) return helpers.refuse(session.message);
		const answer = await member.proposePurge(session.client, session.seq, body.value);
		if (answer.kind === "notLeader") return helpers.notLeader(answer.leader);
		// Purges keep no session table (purge/machine.ts), but answer alike if one ever does.
		if (answer.kind === "session-expired") return helpers.sessionExpired();
		if (answer.kind === "stale-seq") return helpers.staleSeq();
		if (answer.kind === "too-large") return helpers.tooLarge(answer);
		return c.json({ purge: body.value, ...answer.result });
	});
	return app;
}
