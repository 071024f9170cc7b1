/**
 * The log entry that registers a client session (Raft thesis §6.3, RegisterClient): its
 * index names the session (state/session-table.ts, registeredClientId), so every replica
 * hands out the same id and no client can pick one the table has forgotten. The entry
 * carries a nonce in the command's session place ({"client":NONCE,"seq":0,...}, seq 0 as
 * a sessionless write has), only so that the member that proposed it can tell its own
 * entry in the log; registering twice is harmless (an unused session expires as any
 * other), so a register call is simply retried. Decoded with valibot: a log written by
 * another version is still outside input.
 */
import * as v from "valibot";
import { ClientIdSchema } from "./session-schema.ts";
import { SESSIONLESS_SEQ } from "./session-table.ts";

export interface SessionRegistration {
	/** Only names the entry for its proposer; not the session's id. */
	readonly nonce: number;
}

/** What applying a session entry did: the session `client` registered, for the proposer of `nonce`. */
export interface SessionRegistered {
	readonly kind: "session";
	readonly nonce: number;
	readonly client: number;
}

const RegistrationSchema = v.strictObject({
	client: ClientIdSchema,
	seq: v.literal(SESSIONLESS_SEQ),
	op: v.literal("register"),
});

export function encodeSessionRegistration({ nonce }: SessionRegistration): string {
	// Session first, as every command: the member reads it from the front (entrySession).
	return JSON.stringify({ client: nonce, seq: SESSIONLESS_SEQ, op: "register" });
}

/** The registration a session entry's body holds; undefined when it does not decode (a corrupt entry registers nothing). */
export function decodeSessionRegistration(body: string): SessionRegistration | undefined {
	let raw: unknown;
	try {
		raw = JSON.parse(body);
	} catch {
		return undefined;
	}
	const parsed = v.safeParse(RegistrationSchema, raw);
	return parsed.success ? { nonce: parsed.output.client } : undefined;
}
