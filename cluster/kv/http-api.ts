/**
 * The control plane's HTTP API, as every node serves it and neuroctl speaks it: paths,
 * bodies and answers, each with a valibot schema so both sides check what crosses the wire.
 *
 *   GET    /v1/kv/KEY              -> 200 KeyAnswer (value null: absent)
 *   PUT    /v1/kv/KEY   PutBody    -> 200 WriteAnswer
 *   DELETE /v1/kv/KEY              -> 200 DeleteAnswer
 *   POST   /v1/cas/KEY  CasBody    -> 200 CasAnswer (ok false: the value did not match)
 *   POST   /v1/sessions            -> 200 SessionAnswer (a new client session, once applied)
 *   GET    /v1/status              -> 200 StatusAnswer
 *   GET    /v1/members             -> 200 MembersAnswer
 *   POST   /v1/members  AddMemberBody -> 200 MembersAnswer (once the change is applied)
 *   DELETE /v1/members/ID          -> 200 MembersAnswer
 *   POST   /v1/members/ID/promote  -> 200 MembersAnswer
 *   POST   /v1/leader/transfer  TransferBody -> 200 StatusAnswer (once the target leads)
 *   POST   /v1/purge    PurgeBody  -> 200 PurgeAnswer (once applied on the member that took it;
 *                                     every member, learners too, purges its edge as it applies)
 *   GET    /v1/pop-config/NAME     -> 200 PopConfigAnswer (config null: none)
 *   PUT    /v1/pop-config/NAME  a POP config document (pops/NAME.yaml's shape, as JSON)
 *                                  -> 200 PopConfigWriteAnswer; 400 if it does not validate
 *   DELETE /v1/pop-config/NAME     -> 200 PopConfigDeleteAnswer
 *   GET    /metrics.json           -> 200 MetricsAnswer (this member, not the cluster)
 *   GET    /metrics                -> 200 the same as Prometheus text
 *   GET    /health                 -> 200 HealthAnswer, or 503 HealthAnswer with the reason
 *
 * Writes (PUT, DELETE, cas, purges, POP config changes) may carry a session: `Neuro-Client-Id` and `Neuro-Client-Seq`
 * headers (positive whole numbers, both or neither). A retry with the same pair takes
 * effect once and gets the first attempt's answer; a client numbers its writes 1, 2, 3...
 * and sends the next only after the previous answered. Without them each request is a
 * session of its own (a retry is a new write). A client gets its id from POST /v1/sessions
 * (Raft thesis §6.3): the cluster registers the session through its log and answers its
 * id, which every member knows from then on. Registering is itself safe to retry (a
 * session never used expires as any other). The cluster keeps a bounded number of sessions
 * (the least recently used expire): a write of a registered session it no longer knows is
 * a 409 ErrorAnswer `session-expired`, applied nowhere, and the client registers a new
 * session. A retried write may have been applied before its session expired, so that
 * answer leaves its outcome unknown. A client may also pick its own id (at most 2^48, e.g.
 * random): then a write the cluster does not know the client of starts a session at seq 1
 * (above 1 it is `session-expired`), and a seq-1 write retried after its session expired is
 * applied again; registered ids close that gap. A write whose seq its session has passed (a
 * later seq of the client was applied: a late copy or retry) is a 409 ErrorAnswer
 * `stale-seq`, ignored; an earlier attempt of it may have been applied.
 *
 * A node that is not the leader answers writes, membership changes, transfers and
 * linearizable reads with 503 NotLeader, naming the leader's API address when it knows
 * one. Bad input is a 400 ErrorAnswer; a membership change or transfer the leader refuses
 * (unknown node, duplicate add, an add at another member's Raft or API address, last
 * voter, a change still uncommitted, a learner not caught up, a transfer to a learner...) is a 409 ErrorAnswer whose `error` is the core's
 * reason. Adding a member as a learner, then promoting it once it caught up, keeps the
 * cluster's quorum from waiting on an empty log; `learner: false` adds a voter at once.
 * Keys travel percent-encoded in the path; they are 1-1024 characters. A value is at most
 * 2^20 characters, and a write's log entry (the value JSON-encoded, with its key and
 * session) at most MAX_ENTRY_CHARS (state/entry-encoding.ts): one over it is a 413
 * ErrorAnswer `too-large`, never proposed (a value JSON escapes heavily may meet it first).
 *
 * A node started with a token (NEURO_ADMIN_TOKEN) takes every route above, and the gossip
 * plane's (crdt-api.ts), only with `Authorization: Bearer <token>`, but GET /v1/status,
 * /health, /metrics and /metrics.json (api-auth.ts says why). Without it: 401 ErrorAnswer
 * `unauthorized` with `WWW-Authenticate: Bearer realm="neurocache"`, nothing proposed.
 * Every member of a cluster takes the same token: clients follow NotLeader with it.
 */
import * as v from "valibot";
import { ClientPurgeRequestSchema, PurgeRequestSchema } from "../../edge/purge.ts";
import { PeerAddressSchema } from "../transport/peers.ts";

export const MAX_KEY_LENGTH = 1024;
export const MAX_VALUE_LENGTH = 1 << 20;

export const KeySchema = v.pipe(
	v.string(),
	v.minLength(1, "key must not be empty"),
	v.maxLength(MAX_KEY_LENGTH, `key must be at most ${MAX_KEY_LENGTH} characters`),
);
const ValueSchema = v.pipe(
	v.string(),
	v.maxLength(MAX_VALUE_LENGTH, `value must be at most ${MAX_VALUE_LENGTH} characters`),
);
const Revision = v.pipe(v.number(), v.integer(), v.minValue(0));
const NodeId = v.pipe(v.number(), v.integer(), v.minValue(1));
const HttpAddress = v.pipe(
	v.string(),
	v.regex(/^https?:\/\/[^/\s]+$/, "must be http(s)://host:port"),
);

export const PutBody = v.strictObject({ value: ValueSchema });
export const CasBody = v.strictObject({ expected: v.nullable(ValueSchema), value: ValueSchema });
export const AddMemberBody = v.strictObject({
	id: NodeId,
	/** The new member's HTTP API address. */
	address: HttpAddress,
	/** Where its Raft transport listens, `host:port`: every member will connect there. */
	raftAddress: PeerAddressSchema,
	learner: v.optional(v.boolean(), false),
});
export const TransferBody = v.strictObject({ to: NodeId });
/**
 * The edge's own purge request: url, tag or prefix, with optional soft (edge/purge.ts), as
 * a client may send it (a tag without the delimiters Cache-Tag splits on).
 */
export const PurgeBody = ClientPurgeRequestSchema;
/** At most this many characters of POP config document in a PUT. */
export const MAX_POP_CONFIG_LENGTH = 1 << 16;

export const KeyAnswer = v.object({
	key: v.string(),
	value: v.nullable(v.string()),
	revision: Revision,
});
export const WriteAnswer = v.object({ key: v.string(), revision: Revision });
export const DeleteAnswer = v.object({ key: v.string(), deleted: v.boolean(), revision: Revision });
export const CasAnswer = v.object({
	key: v.string(),
	ok: v.boolean(),
	value: v.nullable(v.string()),
	revision: Revision,
});
export const StatusAnswer = v.object({
	id: NodeId,
	role: v.picklist(["leader", "follower", "candidate", "pre-candidate", "learner"]),
	term: Revision,
	leader: v.nullable(NodeId),
	commit: Revision,
	applied: Revision,
});
export const MembersAnswer = v.object({
	members: v.array(
		v.object({
			id: NodeId,
			/** The member's API address ("" if this node was never told it). */
			address: v.string(),
			role: v.picklist(["voter", "learner"]),
			raftAddress: v.optional(v.nullable(v.string())),
		}),
	),
});
export const PurgeAnswer = v.object({
	purge: PurgeRequestSchema,
	/** The log index the purge was applied at (a retried purge's: the first). */
	index: Revision,
	duplicate: v.boolean(),
});
const PopName = v.pipe(v.string(), v.minLength(1));
export const PopConfigAnswer = v.object({
	name: PopName,
	/** The POP's config document, or null when none is set. */
	config: v.nullable(v.looseObject({ name: v.string() })),
	revision: Revision,
});
export const PopConfigWriteAnswer = v.object({ name: PopName, revision: Revision });
export const PopConfigDeleteAnswer = v.object({
	name: PopName,
	deleted: v.boolean(),
	revision: Revision,
});
/** A registered client session: the Neuro-Client-Id its writes carry, from seq 1 on. */
export const SessionAnswer = v.object({
	client: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10 ** 15 - 1)),
});
export const NotLeaderAnswer = v.object({
	error: v.literal("not-leader"),
	/** The leader's API address, or null while none is known (an election is on). */
	leader: v.nullable(v.string()),
});
export const ErrorAnswer = v.object({ error: v.string(), message: v.string() });

const Millis = v.nullable(v.pipe(v.number(), v.minValue(0)));
export const MetricsAnswer = v.object({
	id: NodeId,
	term: Revision,
	role: StatusAnswer.entries.role,
	leader: v.nullable(NodeId),
	commit: Revision,
	applied: Revision,
	log: v.object({ entries: Revision, bytes: Revision }),
	fsync: v.object({
		count: Revision,
		sumMs: v.pipe(v.number(), v.minValue(0)),
		p50Ms: Millis,
		p90Ms: Millis,
		p99Ms: Millis,
	}),
});
export const HealthAnswer = v.variant("ok", [
	v.object({ ok: v.literal(true), leader: NodeId, commit: Revision, applied: Revision }),
	v.object({
		ok: v.literal(false),
		reason: v.picklist(["no-leader", "applying"]),
		message: v.string(),
		commit: Revision,
		applied: Revision,
	}),
]);

export const CLIENT_ID_HEADER = "neuro-client-id";
export const CLIENT_SEQ_HEADER = "neuro-client-seq";

/** The `error` of a 401: the request lacks the API's bearer token, or carries a wrong one. */
export const UNAUTHORIZED = "unauthorized";

/** The `error` of a 409 for a write whose client session the cluster no longer knows. */
export const SESSION_EXPIRED = "session-expired";
export const SESSION_EXPIRED_MESSAGE =
	"the cluster no longer knows this client session (it expired) and applied nothing; " +
	"start a new session (POST /v1/sessions for a new Neuro-Client-Id, then Neuro-Client-Seq 1). " +
	"If this write was a retry, an earlier attempt may have been applied";

/**
 * The `error` of a 409 for a write whose seq its session has already passed: the cluster
 * applied a later seq of that client, so this one was ignored.
 */
export const STALE_SEQ = "stale-seq";
export const STALE_SEQ_MESSAGE =
	"this client session has already applied a later write (a higher Neuro-Client-Seq), so " +
	"this seq was superseded and ignored: this request applied nothing. A client sends a seq " +
	"only once the one before it was answered; an earlier attempt of this seq may have been " +
	"applied, its answer is not kept";

export type KeyAnswer = v.InferOutput<typeof KeyAnswer>;
export type StatusAnswer = v.InferOutput<typeof StatusAnswer>;
export type MetricsAnswer = v.InferOutput<typeof MetricsAnswer>;
export type HealthAnswer = v.InferOutput<typeof HealthAnswer>;
export type MembersAnswer = v.InferOutput<typeof MembersAnswer>;

export function kvPath(key: string): string {
	return `/v1/kv/${encodeURIComponent(key)}`;
}

export function popConfigPath(name: string): string {
	return `/v1/pop-config/${encodeURIComponent(name)}`;
}

export function casPath(key: string): string {
	return `/v1/cas/${encodeURIComponent(key)}`;
}
