/**
 * The first frame on every connection says who dials whom; the listener answers with its
 * own id. A dialler counts a peer as up only on that answer, so a listener that refuses it
 * (unknown id, wrong target) shows as a failed attempt, backed off, not as a link that
 * opens and dies in a loop. With a cluster secret the welcome carries the listener's MAC and
 * the dialler answers with an auth frame before any message (peer-auth.ts).
 */
import * as v from "valibot";
import { HandshakeMacSchema, NonceSchema } from "./peer-auth.ts";
import { NodeIdSchema } from "./peers.ts";

/**
 * Bumped when frames or the entries they carry change incompatibly; a mismatch is refused at
 * the handshake, so nodes of two versions stay apart (a rolling upgrade runs as a partition
 * that heals) rather than replicate entries one of them cannot apply.
 * 2: a command's seq may be 0, a write without a session, which version 1 refuses to apply.
 * 3: the hello and welcome carry nonces, and with a cluster secret the welcome a MAC and an
 *    auth frame follows it (peer-auth.ts); version 2's strict schemas refuse those fields.
 * 4: client sessions are registered through the log ("\u0000session:" entries, and
 *    snapshots holding sessions at seq 0), which version 3 would read as a KV command that
 *    does not decode, and stop.
 */
export const PROTOCOL_VERSION = 4;

/**
 * The largest hello, welcome or auth frame accepted. Each is under 200 bytes; until the
 * handshake is done a connection may not make this node buffer more than this.
 */
export const HANDSHAKE_FRAME_MAX = 1024;

export const HelloSchema = v.strictObject({
	type: v.literal("hello"),
	version: v.literal(PROTOCOL_VERSION),
	from: NodeIdSchema,
	to: NodeIdSchema,
	/** The dialler's challenge: the listener's MAC must cover it. */
	nonce: NonceSchema,
});
export type Hello = v.InferOutput<typeof HelloSchema>;

export const WelcomeSchema = v.strictObject({
	type: v.literal("welcome"),
	from: NodeIdSchema,
	/** The listener's challenge: the dialler's auth MAC must cover it. */
	nonce: NonceSchema,
	/** Present exactly when the listener has a cluster secret. */
	mac: v.optional(HandshakeMacSchema),
});
export type Welcome = v.InferOutput<typeof WelcomeSchema>;

/** The dialler's proof of the secret: the first frame after the welcome, when there is one. */
export const AuthSchema = v.strictObject({
	type: v.literal("auth"),
	mac: HandshakeMacSchema,
});
export type Auth = v.InferOutput<typeof AuthSchema>;
