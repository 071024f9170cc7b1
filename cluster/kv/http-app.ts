/**
 * The control plane's HTTP API (cluster/kv/http-api.ts) served by one Raft member: keys
 * through the log (writes) and ReadIndex (reads), status, the member list, membership
 * changes and leadership transfer; purges (purge-routes.ts) and POP configs
 * (pop-config-routes.ts) beside them. A follower answers 503 NotLeader with the leader's API
 * address (from the addresses given at start, or the one the log added the leader with).
 * Client sessions: a write carrying Neuro-Client-Id and Neuro-Client-Seq goes into the log
 * under that session, so a retry takes effect once (the store dedupes; the member waits on
 * an entry already in its log); a write without them is a session of its own (a fresh
 * random client id, seq 1). A write whose session the machine no longer knows (expired:
 * state/session-table.ts) is a 409 session-expired, applied nowhere: the client starts a
 * new session (a new client id, seq 1). A write whose seq its session already passed (a
 * later seq applied) is a 409 stale-seq, ignored.
 * With a token configured, every route but the open ones (api-auth.ts: status, health,
 * metrics) first checks `Authorization: Bearer <token>`, the routes mounted on this app
 * later (the gossip plane's) too: a request without it is a 401 that reaches no member.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { formatHostPort } from "../../edge/http/host-port.ts";
import type { ConfChange } from "../raft/membership.ts";
import type { NodeId } from "../raft/messages.ts";
import { apiRole } from "../raft-node/member-metrics.ts";
import type {
	Answer,
	CommandAnswer,
	MemberInfo,
	MembershipAnswer,
	SessionRegisteredResult,
	TransferAnswer,
} from "../raft-node/raft-node.ts";
import { randomClientId } from "../state/random-client-id.ts";
import { requireApiToken } from "./api-auth.ts";
import {
	AddMemberBody,
	CasBody,
	CLIENT_ID_HEADER,
	CLIENT_SEQ_HEADER,
	KeySchema,
	PutBody,
	SESSION_EXPIRED,
	SESSION_EXPIRED_MESSAGE,
	STALE_SEQ,
	STALE_SEQ_MESSAGE,
	TransferBody,
} from "./http-api.ts";
import { readJsonBody } from "./json-body.ts";
import type { KvOp } from "./ops.ts";
import { checkedSegment } from "./path-segment.ts";
import { type PopConfigMember, popConfigRoutes } from "./pop-config-routes.ts";
import { type PurgeMember, purgeRoutes } from "./purge-routes.ts";
import { entryTooLarge, type RouteHelpers } from "./route-helpers.ts";
import { parseSession } from "./session-headers.ts";

/** What the API needs of a member (RaftNode provides it). */
export interface KvMember extends PurgeMember, PopConfigMember {
	readonly id: NodeId;
	propose(client: number, seq: number, op: Exclude<KvOp, { kind: "get" }>): Promise<CommandAnswer>;
	read(key: string): Promise<Answer>;
	registerSession(): Promise<CommandAnswer<SessionRegisteredResult>>;
	members(): readonly MemberInfo[];
	changeMembership(change: ConfChange): Promise<MembershipAnswer>;
	transferLeadership(target: NodeId): Promise<TransferAnswer>;
	status(): {
		id: NodeId;
		role: string;
		term: number;
		leader: NodeId;
		commit: number;
		applied: number;
	};
}

export interface KvAppOptions {
	/** The bearer token every route but the open ones requires; none: the API is open. */
	readonly apiToken?: string | undefined;
	/** A session's client id for a write that names none. */
	readonly clientId?: () => number;
}

export function createKvApp(
	member: KvMember,
	/** Every member's API address, by id (NotLeader names the leader's). */
	apiAddresses: ReadonlyMap<NodeId, string>,
	{ apiToken, clientId = randomClientId }: KvAppOptions = {},
): Hono {
	const app = new Hono();
	// First, so it runs before every route, those mounted on this app afterwards included.
	app.use("*", requireApiToken(apiToken));
	const apiAddressOf = (id: NodeId) =>
		apiAddresses.get(id) ?? member.members().find((m) => m.id === id)?.apiAddress;
	const notLeader = (leader: NodeId) =>
		Response.json({ error: "not-leader", leader: apiAddressOf(leader) ?? null }, { status: 503 });
	const refuse = (message: string) =>
		Response.json({ error: "bad-request", message }, { status: 400 });
	const conflict = (reason: string, message: string) =>
		Response.json({ error: reason, message }, { status: 409 });
	const membersBody = (members: readonly MemberInfo[]) => ({
		members: members.map((m) => ({
			id: m.id,
			address: apiAddressOf(m.id) ?? "",
			role: m.role,
			raftAddress: m.raftAddress ? formatHostPort(m.raftAddress.host, m.raftAddress.port) : null,
		})),
	});
	const idOf = (raw: string) =>
		v.safeParse(
			v.pipe(
				v.string(),
				v.regex(/^[1-9]\d{0,9}$/, "a member id is a positive whole number"),
				v.transform(Number),
				v.maxValue(2 ** 31 - 1, "a member id is below 2^31"),
			),
			raw,
		);
	const change = async (conf: ConfChange) => {
		const answer = await member.changeMembership(conf);
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		if (answer.kind === "refused") return conflict(answer.reason, answer.message);
		return Response.json(membersBody(answer.members));
	};
	// `/v1/kv/KEY` and `/v1/cas/KEY`: the key is the path's third segment.
	const keyOf = (url: string) => checkedSegment(url, 3, "key", KeySchema);
	const sessionOf = (headers: Headers) =>
		parseSession(headers.get(CLIENT_ID_HEADER), headers.get(CLIENT_SEQ_HEADER), clientId);
	const sessionExpired = () => conflict(SESSION_EXPIRED, SESSION_EXPIRED_MESSAGE);
	const staleSeq = () => conflict(STALE_SEQ, STALE_SEQ_MESSAGE);

	app.get("/v1/kv/:key", async (c) => {
		const key = keyOf(c.req.url);
		if (!key.ok) return refuse(key.message);
		const answer = await member.read(key.value);
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		if (answer.result.kind !== "get") throw new Error("a read answered with a write result");
		return c.json({
			key: key.value,
			value: answer.result.value,
			revision: answer.result.revision,
		});
	});

	app.put("/v1/kv/:key", async (c) => {
		const key = keyOf(c.req.url);
		if (!key.ok) return refuse(key.message);
		const body = await readJsonBody(c.req.raw, PutBody, { shape: '{"value": "..."}' });
		if (!body.ok) return refuse(body.message);
		const session = sessionOf(c.req.raw.headers);
		if (!session.ok) return refuse(session.message);
		const answer = await member.propose(session.client, session.seq, {
			kind: "put",
			key: key.value,
			value: body.value.value,
		});
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		if (answer.kind === "session-expired") return sessionExpired();
		if (answer.kind === "stale-seq") return staleSeq();
		if (answer.kind === "too-large") return entryTooLarge(answer);
		return c.json({ key: key.value, revision: answer.result.revision });
	});

	app.delete("/v1/kv/:key", async (c) => {
		const key = keyOf(c.req.url);
		if (!key.ok) return refuse(key.message);
		const session = sessionOf(c.req.raw.headers);
		if (!session.ok) return refuse(session.message);
		const answer = await member.propose(session.client, session.seq, {
			kind: "delete",
			key: key.value,
		});
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		if (answer.kind === "session-expired") return sessionExpired();
		if (answer.kind === "stale-seq") return staleSeq();
		if (answer.kind === "too-large") return entryTooLarge(answer);
		if (answer.result.kind !== "delete") throw new Error("a delete answered otherwise");
		return c.json({
			key: key.value,
			deleted: answer.result.deleted,
			revision: answer.result.revision,
		});
	});

	app.post("/v1/cas/:key", async (c) => {
		const key = keyOf(c.req.url);
		if (!key.ok) return refuse(key.message);
		const body = await readJsonBody(c.req.raw, CasBody, {
			shape: '{"expected": "..." | null, "value": "..."}',
		});
		if (!body.ok) return refuse(body.message);
		const session = sessionOf(c.req.raw.headers);
		if (!session.ok) return refuse(session.message);
		const answer = await member.propose(session.client, session.seq, {
			kind: "cas",
			key: key.value,
			expected: body.value.expected,
			value: body.value.value,
		});
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		if (answer.kind === "session-expired") return sessionExpired();
		if (answer.kind === "stale-seq") return staleSeq();
		if (answer.kind === "too-large") return entryTooLarge(answer);
		if (answer.result.kind !== "cas") throw new Error("a compare-and-set answered otherwise");
		const { ok, value, revision } = answer.result;
		return c.json({ key: key.value, ok, value, revision });
	});

	app.post("/v1/sessions", async (c) => {
		const answer = await member.registerSession();
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		if (answer.kind !== "ok") throw new Error(`a session registration answered ${answer.kind}`);
		return c.json({ client: answer.result.client });
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

	app.get("/v1/members", (c) => c.json(membersBody(member.members())));

	app.post("/v1/members", async (c) => {
		const body = await readJsonBody(c.req.raw, AddMemberBody, {
			shape:
				'{"id": N, "address": "http://host:port", "raftAddress": "host:port", "learner"?: true}',
		});
		if (!body.ok) return refuse(body.message);
		const { id, address, raftAddress, learner } = body.value;
		return change({
			kind: learner ? "addLearner" : "addVoter",
			id,
			raftAddress,
			apiAddress: address,
		});
	});

	app.delete("/v1/members/:id", async (c) => {
		const id = idOf(c.req.param("id"));
		if (!id.success) return refuse(id.issues[0].message);
		return change({ kind: "remove", id: id.output });
	});

	app.post("/v1/members/:id/promote", async (c) => {
		const id = idOf(c.req.param("id"));
		if (!id.success) return refuse(id.issues[0].message);
		return change({ kind: "promote", id: id.output });
	});

	app.post("/v1/leader/transfer", async (c) => {
		const body = await readJsonBody(c.req.raw, TransferBody, { shape: '{"to": N}' });
		if (!body.ok) return refuse(body.message);
		const answer = await member.transferLeadership(body.value.to);
		if (answer.kind === "notLeader") return notLeader(answer.leader);
		if (answer.kind === "refused") return conflict(answer.reason, answer.message);
		const s = member.status();
		const role = s.role === "preCandidate" ? "pre-candidate" : s.role;
		return c.json({ ...s, role, leader: answer.leader });
	});
	const helpers: RouteHelpers = {
		notLeader,
		refuse,
		conflict,
		sessionOf,
		sessionExpired,
		staleSeq,
		tooLarge: entryTooLarge,
	};
	app.route("/", purgeRoutes(member, helpers));
	app.route("/", popConfigRoutes(member, helpers));
	return app;
}
