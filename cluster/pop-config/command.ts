/**
 * A POP config change as it travels in a Raft entry (after the router's tag,
 * cluster/state/entry-encoding.ts): set a POP's whole document, or delete it, with the
 * session of the client that asked. The envelope is decoded here; the document inside is
 * checked by the machine against the POP config schema (cluster/node/pop-config.ts), so a
 * document the schema refuses becomes a refused result, not a crash.
 */
import * as v from "valibot";
import { POP_NAME } from "../node/pop-config.ts";
import { ClientIdSchema, SeqSchema } from "../state/session-schema.ts";

export const PopNameSchema = v.pipe(
	v.string("a POP name is a string"),
	v.regex(POP_NAME, "a POP name is 2-32 characters of a-z, 0-9 and '-', starting with a letter"),
);

export type PopConfigOp =
	| { readonly kind: "set"; readonly name: string; readonly config: unknown }
	| { readonly kind: "delete"; readonly name: string };

export interface PopConfigCommand {
	readonly client: number;
	readonly seq: number;
	readonly op: PopConfigOp;
}

const CommandSchema = v.strictObject({
	client: ClientIdSchema,
	seq: SeqSchema,
	op: v.variant("kind", [
		v.strictObject({ kind: v.literal("set"), name: PopNameSchema, config: v.unknown() }),
		v.strictObject({ kind: v.literal("delete"), name: PopNameSchema }),
	]),
});

export function encodePopConfigCommand(command: PopConfigCommand): string {
	// Session first, as KV commands: the member reads it from the front (entrySession).
	return JSON.stringify({ client: command.client, seq: command.seq, op: command.op });
}

export type DecodedPopConfig =
	| { readonly ok: true; readonly command: PopConfigCommand }
	| { readonly ok: false; readonly message: string };

/** The command in `data`, or why it is not one (never throws: a bad entry is a result). */
export function decodePopConfigCommand(data: string): DecodedPopConfig {
	let raw: unknown;
	try {
		raw = JSON.parse(data);
	} catch {
		return { ok: false, message: `POP config entry is not JSON: ${data.slice(0, 80)}` };
	}
	const parsed = v.safeParse(CommandSchema, raw);
	if (!parsed.success)
		return { ok: false, message: `POP config entry is malformed: ${parsed.issues[0].message}` };
	const { client, seq, op } = parsed.output;
	return { ok: true, command: { client, seq, op } };
}
