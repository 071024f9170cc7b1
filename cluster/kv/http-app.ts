/**
 * The control plane's HTTP API (cluster/kv/http-api.ts) served by one Raft member: keys
 * through the log (writes) and ReadIndex (reads), status, and the member list. A follower
 * answers 503 NotLeader with the leader's API address. Client sessions: a write carrying
 * Neuro-Client-Id and Neuro-Client-Seq goes into the log under that session, so a retry
 * takes effect once (the store dedupes; the member waits on an entry already in its log);
 * a write without them is a session of its own (a fresh random client id, seq 1).
 */
import { Hono } from "hono";
import * as v from "valibot";
import type { NodeId } from "../raft/messages.ts";
import { apiRole } from "../raft-node/member-metrics.ts";
import type { Answer } from "../raft-node/raft-node.ts";
import { CasBody, CLIENT_ID_HEADER, CLIENT_SEQ_HEADER, KeySchema, PutBody } from "./http-api.ts";
import type { KvOp } from "./ops.ts";
import { parseSession, randomClientId } from "./session-headers.ts";

/** What the API needs of a member (RaftNode provides it). */
export interface KvMember {
	readonly id: NodeId;
	propose(client: number, seq: number, op: Exclude<KvOp, { kind: "get" }>): Promise<Answer>;
	read(key: string): Promise<Answer>;
	status(): {
		id: NodeId;
		role: string;
		term: number;
		leader: NodeId;
		commit: number;
		applied: number;
	};
}

export function createKvApp(
	member: KvMember,
	/** Every member's API address, by id (NotLeader names the leader's). */
	apiAddresses: ReadonlyMap<NodeId, string>,
	clientId: () => number = randomClientId,
): Hono {
	const app = new Hono();
	const notLeader = (leader: NodeId) =>
		Response.json(
			{ error: "not-leader", leader: apiAddresses.get(leader) ?? null },
			{ status: 503 },
		);
	const refuse = (message: string) =>
		Response.json({ error: "bad-request", message }, { status: 400 });
	const keyOf = (raw: string) => v.safeParse(KeySchema, decodeURIComponent(raw));
	const sessionOf = (headers: Headers) =>
		parseSession(headers.get(CLIENT_ID_HEADER), headers.get(CLIENT_SEQ_HEADER), clientId);

	app.get("/v1/kv/:key", async (c) => {
		const key = keyOf(c.req.param("key"));
		if (!key.success) return refuse(key.issues[0].message);
		const answer = await member.read(key.output);
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		if (answer.result.kind !== "get") throw new Error("a read answered with a write result");
		return c.json({
			key: key.output,
			value: answer.result.value,
			revision: answer.result.revision,
		});
	});

	app.put("/v1/kv/:key", async (c) => {
		const key = keyOf(c.req.param("key"));
		if (!key.success) return refuse(key.issues[0].message);
		const body = v.safeParse(PutBody, await c.req.json().catch(() => undefined));
		if (!body.success) return refuse(body.issues[0].message);
		const session = sessionOf(c.req.raw.headers);
		if (!session.ok) return refuse(session.message);
		const answer = await member.propose(session.client, session.seq, {
			kind: "put",
			key: key.output,
			value: body.output.value,
		});
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		return c.json({ key: key.output, revision: answer.result.revision });
	});

	app.delete("/v1/kv/:key", async (c) => {
		const key = keyOf(c.req.param("key"));
		if (!key.success) return refuse(key.issues[0].message);
		const session = sessionOf(c.req.raw.headers);
		if (!session.ok) return refuse(session.message);
		const answer = await member.propose(session.client, session.seq, {
			kind: "delete",
			key: key.output,
		});
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		if (answer.result.kind !== "delete") throw new Error("a delete answered otherwise");
		return c.json({
			key: key.output,
			deleted: answer.result.deleted,
			revision: answer.result.revision,
		});
	});

	app.post("/v1/cas/:key", async (c) => {
		const key = keyOf(c.req.param("key"));
		if (!key.success) return refuse(key.issues[0].message);
		const body = v.safeParse(CasBody, await c.req.json().catch(() => undefined));
		if (!body.success) return refuse(body.issues[0].message);
		const session = sessionOf(c.req.raw.headers);
		if (!session.ok) return refuse(session.message);
		const answer = await member.propose(session.client, session.seq, {
			kind: "cas",
			key: key.output,
			expected: body.output.expected,
			value: body.output.value,
		});
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		if (answer.result.kind !== "cas") throw new Error("a compare-and-set answered otherwise");
		const { ok, value, revision } = answer.result;
		return c.json({ key: key.output, ok, value, revision });
	});

	app.get("/v1/status", (c) => {
		const { id, role, term, leader, commit, applied } = member.status();
		return c.json({
			id,
			role: apiRole(role),
			term,
			leader: leader === 0 ? null : leader,
			commit,
			applied,
		});
	});

	app.get("/v1/members", (c) =>
		c.json({
			members: [...apiAddresses].map(([id, address]) => ({ id, address, role: "voter" })),
		}),
	);
	return app;
}
