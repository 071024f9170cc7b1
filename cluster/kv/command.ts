/**
 * A client's write as it travels in a Raft entry: the operation with its session (client
 * id and sequence number, for exactly-once application of retried writes). Entries are
 * decoded with valibot: a log written by another version is still outside input.
 */
import * as v from "valibot";
import { ClientIdSchema, SeqSchema } from "../state/session-schema.ts";
import type { KvOp } from "./ops.ts";

export interface KvCommand {
	readonly client: number;
	readonly seq: number;
	readonly op: KvOp;
}

const KeySchema = v.pipe(v.string(), v.minLength(1));

const OpSchema = v.variant("kind", [
	v.object({ kind: v.literal("put"), key: KeySchema, value: v.string() }),
	v.object({ kind: v.literal("get"), key: KeySchema }),
	v.object({ kind: v.literal("delete"), key: KeySchema }),
	v.object({
		kind: v.literal("cas"),
		key: KeySchema,
		expected: v.nullable(v.string()),
		value: v.string(),
	}),
]);

const CommandSchema = v.object({
	client: ClientIdSchema,
	/** SESSIONLESS_SEQ (0): a write without a session. */
	seq: SeqSchema,
	op: OpSchema,
});

export function encodeCommand(command: KvCommand): string {
	// Session first: commandSession() reads it from the front without parsing the rest.
	return JSON.stringify({ client: command.client, seq: command.seq, op: command.op });
}

const SESSION_PREFIX = /^\{"client":(\d{1,16}),"seq":(\d{1,16}),/;

/**
 * The (client, seq) of an entry encodeCommand wrote, read from its first bytes: a member
 * notes the session of every entry it logs (to spot a retried write already in its log)
 * without parsing whole commands. Undefined for anything else (a no-op, say).
 */
export function commandSession(data: string): { client: number; seq: number } | undefined {
	const match = SESSION_PREFIX.exec(data);
	if (match === null) return undefined;
	return { client: Number(match[1]), seq: Number(match[2]) };
}

export class CommandError extends Error {
	override name = "CommandError";
}

export function decodeCommand(data: string): KvCommand {
	let raw: unknown;
	try {
		raw = JSON.parse(data);
	} catch {
		throw new CommandError(`entry is not JSON: ${data.slice(0, 80)}`);
	}
	const parsed = v.safeParse(CommandSchema, raw);
	if (!parsed.success) {
		throw new CommandError(`entry is not a KV command: ${parsed.issues[0].message}`);
	}
	return parsed.output;
}
