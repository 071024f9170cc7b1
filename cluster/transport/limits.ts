/**
 * A bound on everything a peer or a slow link could grow: frame size, the queue while
 * connecting, bytes buffered per peer, time to handshake, time between redials.
 */
import * as v from "valibot";
import { FRAME_LENGTH_MAX } from "./frame.ts";

const positiveInt = (max: number) =>
	v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(max));

export const TransportLimitsSchema = v.pipe(
	v.strictObject({
		/** Largest payload accepted or sent; a longer length prefix closes the connection. */
		maxFrameBytes: v.optional(positiveInt(FRAME_LENGTH_MAX), 4 * 1024 * 1024),
		/** Messages held per peer while its connection is being made. */
		maxQueuedMessages: v.optional(positiveInt(1_000_000), 256),
		/** Bytes held per peer, queued while connecting or unsent on a slow socket. */
		maxBufferedBytes: v.optional(positiveInt(2 ** 40), 8 * 1024 * 1024),
		/** Dial to welcome, on the dialling side. */
		connectTimeoutMs: v.optional(positiveInt(3_600_000), 3_000),
		/** Accept to hello, on the listening side: an idle connection is closed. */
		handshakeTimeoutMs: v.optional(positiveInt(3_600_000), 3_000),
		/** Accepted connections that have not said hello yet; more are closed at once. */
		maxPendingHandshakes: v.optional(positiveInt(100_000), 64),
		backoffBaseMs: v.optional(positiveInt(3_600_000), 50),
		backoffMaxMs: v.optional(positiveInt(3_600_000), 5_000),
	}),
	v.check((l) => l.backoffBaseMs <= l.backoffMaxMs, "backoffBaseMs must not exceed backoffMaxMs"),
	v.check(
		(l) => l.maxBufferedBytes >= l.maxFrameBytes + 4,
		"maxBufferedBytes must hold at least one largest frame",
	),
);

export type TransportLimits = v.InferOutput<typeof TransportLimitsSchema>;
export type TransportLimitsInput = v.InferInput<typeof TransportLimitsSchema>;
