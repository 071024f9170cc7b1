/**
 * The first frame on every connection says who dials whom; the listener answers with its
 * own id. A dialler counts a peer as up only on that answer, so a listener that refuses it
 * (unknown id, wrong target) shows as a failed attempt, backed off, not as a link that
 * opens and dies in a loop.
 */
import * as v from "valibot";
import { NodeIdSchema } from "./peers.ts";

/**
 * Bumped when frames or the entries they carry change incompatibly; a mismatch is refused at
 * the handshake, so nodes of two versions stay apart (a rolling upgrade runs as a partition
 * that heals) rather than replicate entries one of them cannot apply.
 * 2: a command's seq may be 0, a write without a session, which version 1 refuses to apply.
 */
export const PROTOCOL_VERSION = 2;

/**
 * The largest hello or welcome frame accepted. Both are under 100 bytes; until a hello is
 * accepted a connection may not make this node buffer more than this.
 */
export const HANDSHAKE_FRAME_MAX = 1024;

export const HelloSchema = v.strictObject({
	type: v.literal("hello"),
	version: v.literal(PROTOCOL_VERSION),
	from: NodeIdSchema,
	to: NodeIdSchema,
});
export type Hello = v.InferOutput<typeof HelloSchema>;

export const WelcomeSchema = v.strictObject({
	type: v.literal("welcome"),
	from: NodeIdSchema,
});
export type Welcome = v.InferOutput<typeof WelcomeSchema>;
