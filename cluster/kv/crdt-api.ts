/**
 * The gossip plane's HTTP API (counters, registers, gossip membership), served by every
 * node that runs gossip beside the control plane's API (http-api.ts) and spoken by
 * neuroctl. Any node answers at once from its own replica: no leader, no round trip.
 *
 *   POST /v1/counters/NAME/incr  IncrBody?  -> 200 CounterAnswer (this node's view after)
 *   POST /v1/counters/NAME/decr  IncrBody?  -> 200 CounterAnswer
 *   GET  /v1/counters/NAME                  -> 200 CounterAnswer (0 for a counter never used)
 *   PUT  /v1/registers/NAME      RegisterBody -> 200 RegisterAnswer (last writer wins)
 *   GET  /v1/registers/NAME                 -> 200 RegisterAnswer (value null: never set)
 *   GET  /v1/gossip/members                 -> 200 GossipMembersAnswer (this node's view)
 *   GET  /v1/gossip/stats                   -> 200 GossipTraffic (bytes and packets so far)
 *
 * Bad input (a name outside NAME_PATTERN, a `by` that is not a whole number in 1..MAX_BY,
 * a value over MAX_REGISTER_VALUE_BYTES, a body that is not JSON) is a 400 ErrorAnswer.
 * A counter whose total would pass, or has passed, 2^53 - 1 (the last integer a JSON number
 * carries exactly) is a 409 `counter-range`, never a rounded value.
 * A node whose gossip is still starting answers 503 `gossip-starting`; one that runs none
 * (no `gossip` address in the cluster file) 404 `gossip-off`.
 */
import * as v from "valibot";

export const MAX_NAME_LENGTH = 128;
/** Letters, digits and `._:-`: safe in a path, a log line and a store key. */
export const NAME_PATTERN = /^[A-Za-z0-9._:-]+$/;
/** One increment's largest step: a counter slot has 2^53 of room, so this never nears it. */
export const MAX_BY = 1_000_000_000;
/**
 * A register's value, UTF-8 bytes. A value travels whole in one gossip item inside a UDP
 * packet of at most 1,400 bytes (with the name, its stamp and the membership updates that
 * go first), so it must stay well below that or it would never leave this node.
 */
export const MAX_REGISTER_VALUE_BYTES = 512;

export const NameSchema = v.pipe(
	v.string(),
	v.minLength(1, "name must not be empty"),
	v.maxLength(MAX_NAME_LENGTH, `name must be at most ${MAX_NAME_LENGTH} characters`),
	v.regex(NAME_PATTERN, "name may hold only letters, digits and . _ : -"),
);

export const BySchema = v.pipe(
	v.number("by must be a number"),
	v.integer("by must be a whole number"),
	v.minValue(1, "by must be at least 1"),
	v.maxValue(MAX_BY, `by must be at most ${MAX_BY}`),
);

export const RegisterValueSchema = v.pipe(
	v.string("value must be a string"),
	v.check(
		(value) => new TextEncoder().encode(value).byteLength <= MAX_REGISTER_VALUE_BYTES,
		`value must be at most ${MAX_REGISTER_VALUE_BYTES} bytes (UTF-8)`,
	),
);

export const IncrBody = v.strictObject({ by: v.optional(BySchema, 1) });
export const RegisterBody = v.strictObject({ value: RegisterValueSchema });

export const CounterAnswer = v.object({
	name: v.string(),
	value: v.pipe(v.number(), v.safeInteger()),
});
export const RegisterAnswer = v.object({ name: v.string(), value: v.nullable(v.string()) });

const MemberMeta = v.object({
	role: v.picklist(["control", "pop"]),
	pop: v.string(),
	edgeAddress: v.string(),
	raftAddress: v.string(),
});
export const GossipMembersAnswer = v.object({
	/** The answering node's id (its own row is in `members`). */
	self: v.pipe(v.number(), v.integer(), v.minValue(1)),
	members: v.array(
		v.object({
			id: v.pipe(v.number(), v.integer(), v.minValue(1)),
			/** host:port of its gossip socket. */
			address: v.string(),
			state: v.picklist(["alive", "suspect", "dead", "left"]),
			incarnation: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
			meta: MemberMeta,
		}),
	),
});

/** Gossip traffic since the node started: UDP datagrams, and push-pull over TCP. */
export const GossipTraffic = v.object({
	packetsIn: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
	packetsOut: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
	bytesIn: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
	bytesOut: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
	pushPullBytesIn: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
	pushPullBytesOut: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
});
export type GossipTraffic = v.InferOutput<typeof GossipTraffic>;

export type CounterAnswer = v.InferOutput<typeof CounterAnswer>;
export type RegisterAnswer = v.InferOutput<typeof RegisterAnswer>;
export type GossipMembersAnswer = v.InferOutput<typeof GossipMembersAnswer>;

export function counterPath(name: string, action?: "incr" | "decr"): string {
	const base = `/v1/counters/${encodeURIComponent(name)}`;
	return action === undefined ? base : `${base}/${action}`;
}

export function registerPath(name: string): string {
	return `/v1/registers/${encodeURIComponent(name)}`;
}

export const GOSSIP_MEMBERS_PATH = "/v1/gossip/members";
export const GOSSIP_STATS_PATH = "/v1/gossip/stats";
