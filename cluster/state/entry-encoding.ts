/**
 * Every kind of Raft entry the control plane writes, and how each is told apart: the one
 * place the entry encodings are written down.
 *
 *   ""                          a new leader's no-op (cluster/raft/raft.ts)
 *   "\u0000conf:" + JSON        a configuration change (cluster/raft/membership.ts)
 *   "\u0000purge:" + JSON       a purge: {client, seq, purge} (cluster/purge/command.ts)
 *   "\u0000pop:" + JSON         a POP config set/delete: {client, seq, op} (cluster/pop-config/command.ts)
 *   "\u0000session:" + JSON     a client session's registration: {client: nonce, seq: 0, op} (session-entry.ts)
 *   anything else               a KV command: JSON {client, seq, op} (cluster/kv/command.ts)
 *
 * KV commands keep the untagged encoding they always had, so logs and snapshots written
 * before purges and POP config existed read the same. The other tags start with NUL, which
 * no JSON text (a KV command) can, so no entry is ambiguous. Every command puts its session
 * first ({"client":N,"seq":M,...}) so a member reads it from the front (entrySession)
 * without decoding the rest. Pure.
 */
import { commandSession, encodeCommand, type KvCommand } from "../kv/command.ts";
import { encodePopConfigCommand, type PopConfigCommand } from "../pop-config/command.ts";
import { encodePurgeCommand, type PurgeCommand } from "../purge/command.ts";
import { CONF_CHANGE_PREFIX } from "../raft/membership.ts";
import { encodeSessionRegistration, type SessionRegistration } from "./session-entry.ts";

/**
 * Most code units in one entry's data; a command above it is refused before it is proposed.
 * Every entry must reach the followers in one append, and an append in one transport frame
 * (4 MiB by default): an entry over it would be dropped at every resend and stall the log
 * for good. Entry data is JSON text, at most 3 bytes of UTF-8 a code unit when sent, so
 * this is about 3.05 MiB at worst. It holds a KV value of MAX_VALUE_LENGTH plain
 * characters with its key and session; a value JSON must escape heavily (quotes,
 * backslashes, control characters) takes more room and may be refused below that length.
 */
export const MAX_ENTRY_CHARS = (1 << 20) + (1 << 14);

export const PURGE_PREFIX = "\u0000purge:";
export const POP_CONFIG_PREFIX = "\u0000pop:";
export const SESSION_PREFIX = "\u0000session:";

/**
 * Every kind, in one list: a member meeting an entry of a kind it does not know cannot apply
 * it, so adding one bumps the transport's PROTOCOL_VERSION (a test pins the two together).
 */
export const ENTRY_KINDS = ["noop", "conf", "purge", "pop-config", "session", "kv"] as const;

export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Which machine an entry is for, and its body (the data after the tag). */
export function classifyEntry(data: string): { readonly kind: EntryKind; readonly body: string } {
	if (data === "") return { kind: "noop", body: "" };
	if (data.startsWith(CONF_CHANGE_PREFIX)) return { kind: "conf", body: data };
	if (data.startsWith(PURGE_PREFIX))
		return { kind: "purge", body: data.slice(PURGE_PREFIX.length) };
	if (data.startsWith(POP_CONFIG_PREFIX))
		return { kind: "pop-config", body: data.slice(POP_CONFIG_PREFIX.length) };
	if (data.startsWith(SESSION_PREFIX))
		return { kind: "session", body: data.slice(SESSION_PREFIX.length) };
	return { kind: "kv", body: data };
}

export function encodeKvEntry(command: KvCommand): string {
	return encodeCommand(command);
}

export function encodePurgeEntry(command: PurgeCommand): string {
	return PURGE_PREFIX + encodePurgeCommand(command);
}

export function encodePopConfigEntry(command: PopConfigCommand): string {
	return POP_CONFIG_PREFIX + encodePopConfigCommand(command);
}

export function encodeSessionEntry(registration: SessionRegistration): string {
	return SESSION_PREFIX + encodeSessionRegistration(registration);
}

/** The (client, seq) a command entry of any machine carries; undefined for no-ops and configuration. */
export function entrySession(data: string): { client: number; seq: number } | undefined {
	const { kind, body } = classifyEntry(data);
	if (kind === "noop" || kind === "conf") return undefined;
	return commandSession(body);
}
