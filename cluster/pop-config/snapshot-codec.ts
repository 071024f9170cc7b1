/**
 * The POP config machine's snapshot data: every POP's document (null once deleted) with its
 * revision, and every client session (last seq and result), sorted so equal states give
 * equal bytes. Decoded with valibot, each document against the POP config schema again: a
 * snapshot comes from disk or a peer. Anything off is a SnapshotError.
 */
import * as v from "valibot";
import { type PopConfig, PopConfigError, validatePopConfig } from "../node/pop-config.ts";
import { SnapshotError } from "../raft/state-machine.ts";
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

export interface PopSession {
	readonly seq: number;
	readonly result: PopConfigResult;
}

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
	// [client, seq, result], sorted by client.
	sessions: v.array(v.tuple([Positive, Positive, ResultSchema])),
});

export function encodePopConfigSnapshot(index: number, state: PopConfigState): string {
	const pops = [...state.pops]
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([name, entry]) => [name, entry.config, entry.revision]);
	const sessions = [...state.sessions]
		.sort(([a], [b]) => a - b)
		.map(([client, s]) => [client, s.seq, s.result]);
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
	const sessions = new Map<number, PopSession>();
	for (const [client, seq, result] of parsed.output.sessions) {
		if (sessions.has(client))
			throw new SnapshotError(`POP config snapshot repeats client ${client}`);
		sessions.set(client, { seq, result });
	}
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
