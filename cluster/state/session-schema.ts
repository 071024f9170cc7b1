/**
 * The session fields every replicated command carries (client id, seq), as the command
 * decoders check them: a log written by another version is still outside input.
 */
import * as v from "valibot";
import { SESSIONLESS_SEQ } from "./session-table.ts";

/** A client id: positive, and exact as a JavaScript number. */
export const ClientIdSchema = v.pipe(
	v.number(),
	v.integer(),
	v.minValue(1),
	v.maxValue(Number.MAX_SAFE_INTEGER),
);

/** A sequence number: positive within a session, SESSIONLESS_SEQ (0) for none. */
export const SeqSchema = v.pipe(
	v.number(),
	v.integer(),
	v.minValue(SESSIONLESS_SEQ),
	v.maxValue(Number.MAX_SAFE_INTEGER),
);
