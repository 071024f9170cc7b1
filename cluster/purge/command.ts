/**
 * A purge as it travels in a Raft entry (after the router's tag, cluster/state/entry-encoding.ts):
 * the purge with the session of the client that asked (client id and sequence number), so a
 * retried purge that reached the log twice is executed once (see machine.ts). Decoded with
 * valibot, the purge itself with the edge's own schema: a log written by another version
 * is still outside input.
 */
import * as v from "valibot";
import { type PurgeRequest, PurgeRequestSchema } from "../../edge/purge.ts";
import { ClientIdSchema, SeqSchema } from "../state/session-schema.ts";

export interface PurgeCommand {
	readonly client: number;
	readonly seq: number;
	readonly purge: PurgeRequest;
}

export const PurgeCommandSchema = v.strictObject({
	client: ClientIdSchema,
	seq: SeqSchema,
	purge: PurgeRequestSchema,
});

export function encodePurgeCommand(command: PurgeCommand): string {
	// Session first, as KV commands: the member reads it from the front (entrySession).
	return JSON.stringify({ client: command.client, seq: command.seq, purge: command.purge });
}

export type DecodedPurge =
	| { readonly ok: true; readonly command: PurgeCommand }
	| { readonly ok: false; readonly message: string };

/** The command in `data`, or why it is not one (never throws: a bad entry is a result). */
export function decodePurgeCommand(data: string): DecodedPurge {
	let raw: unknown;
	try {
		raw = JSON.parse(data);
	} catch {
		return { ok: false, message: `purge entry is not JSON: ${data.slice(0, 80)}` };
	}
	const parsed = v.safeParse(PurgeCommandSchema, raw);
	if (!parsed.success)
		return { ok: false, message: `purge entry is malformed: ${parsed.issues[0].message}` };
	return { ok: true, command: parsed.output };
}
