/**
 * The POP config machine's snapshot data: every POP's document (null once deleted) with its
 * revision, and every client session (last seq, result and the log index it was last used
 * at: state/session-snapshot.ts), sorted so equal states give equal bytes. A snapshot
 * written before sessions carried their last use decodes with 0 for it. Decoded with valibot, each document against the POP config schema again: a
 * snapshot comes from disk or a peer. Anything off is a SnapshotError.
 */
import * as v from "valibot";
import { type PopConfig, PopConfigError, validatePopConfig } from "../node/pop-config.ts";
import { SnapshotError } from "../raft/state-machine.ts";
import { SessionSchema, sessionsIn, sessionTuples } from "../state/session-snapshot.ts";
import type { Session } from "../state/session-table.ts";
import { PopNameSchema } from "./command.ts";

export const POP_CONFIG_SNAPSHOT_FORMAT = "neurocache-pop-config/1";

export interface PopEntry {
	readonly config: PopConfig | null;
	readonly revision: number;
}

export type PopConfigResult =
	| { readonly kind: "set"; readonly name: string; readonly revision: number }
	| {
			readonly kind: "delete";
			readonly name: string;
			readonly deleted: boolean;
			readonly revision: number;
	  }
	/** The document did not validate (or named another POP): nothing changed. */
	| { readonly kind: "refused"; readonly name: string; readonly message: string };

export type PopSession = Session<PopConfigResult>;

export interface PopConfigState {
	readonly pops: ReadonlyMap<string, PopEntry>;
	readonly sessions: ReadonlyMap<number, PopSession>;
}

const Count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const Positive = v.pipe(Count, v.minValue(1));

const ResultSchema = v.variant("kind", [
	v.strictObject({ kind: v.literal("set"), name: PopNameSchema, revision: Positive }),
	v.strictObject({
		kind: v.literal("delete"),
		name: PopNameSchema,
		deleted: v.boolean(),
		revision: Count,
	}),
	v.strictObject({ kind: v.literal("refused"), name: v.string(), message: v.string() }),
]);

const SnapshotSchema = v.strictObject({
	format: v.literal(POP_CONFIG_SNAPSHOT_FORMAT),
	index: Count,
	// [name, document or null (deleted), revision], sorted by name.
	pops: v.array(v.tuple([PopNameSchema, v.unknown(), Positive])),
	// [client, seq, result, last used index], sorted by client (older: no last used index).
	sessions: v.array(SessionSchema(ResultSchema)),
});

export function encodePopConfigSnapshot(index: number, state: PopConfigState): string {
	const pops = [...state.pops]
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([name, entry]) => [name, entry.config, entry.revision]);
	const sessions = sessionTuples(state.sessions);
	return JSON.stringify({ format: POP_CONFIG_SNAPSHOT_FORMAT, index, pops, sessions });
}

export function decodePopConfigSnapshot(index: number, data: string): PopConfigState {
	let raw: unknown;
	try {
		raw = JSON.parse(data);
	} catch {
		throw new SnapshotError(`POP config snapshot at ${index} is not JSON (${data.length} chars)`);
	}
	const parsed = v.safeParse(SnapshotSchema, raw);
	if (!parsed.success)
		throw new SnapshotError(`POP config snapshot at ${index}: ${parsed.issues[0].message}`);
	if (parsed.output.index !== index)
		throw new SnapshotError(
			`POP config snapshot says index ${parsed.output.index}, expected ${index}`,
		);
	const pops = new Map<string, PopEntry>();
	for (const [name, document, revision] of parsed.output.pops) {
		if (pops.has(name)) throw new SnapshotError(`POP config snapshot repeats POP '${name}'`);
		pops.set(name, { config: documentIn(name, document, index), revision });
	}
	const sessions = sessionsIn(parsed.output.sessions, index, `POP config snapshot at ${index}`);
	return { pops, sessions };
}

function documentIn(name: string, document: unknown, index: number): PopConfig | null {
	if (document === null) return null;
	try {
		const config = validatePopConfig(document, `POP config snapshot at ${index}, POP ${name}`);
		if (config.name !== name)
			throw new PopConfigError(`POP ${name}'s document names ${config.name}`);
		return config;
	} catch (error) {
		throw new SnapshotError((error as Error).message);
	}
}
