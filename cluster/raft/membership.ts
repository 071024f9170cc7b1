/**
 * Cluster membership for the Raft core: the configuration (voters and learners), the
 * single-server changes that move it (Raft thesis §4.1), how a change travels in a log
 * entry, and the history of configurations in the log so a truncation can go back to the
 * one before. Pure: no I/O, no clock.
 *
 * A configuration takes effect on every node as soon as its entry is in that node's log,
 * committed or not (thesis §4.1): the latest configuration in the log is the one in force.
 *
 * Entry encoding: a configuration change is an entry whose data starts with
 * CONF_CHANGE_PREFIX ("\u0000conf:"), followed by JSON `{ change, config }`: the change as
 * proposed and the whole configuration it results in. Nodes adopt `config` verbatim
 * instead of replaying the change on their own idea of the previous one, so a node that
 * joins with no (or a different) idea of the founding members still ends up agreeing.
 * KV commands are JSON objects and the leader's no-op is "", so neither can start with
 * NUL; the other tagged entries (purges, POP config) use other NUL tags, all listed in
 * cluster/state/entry-encoding.ts. Raft.propose refuses data with this prefix.
 */
import * as v from "valibot";
import type { Entry, NodeId } from "./messages.ts";

/** Who votes and who only follows the log; what a snapshot's metadata records. */
export interface MembershipConfig {
	readonly voters: readonly NodeId[];
	readonly learners: readonly NodeId[];
}

/** Where a member's Raft transport listens, carried so every member can reach a new one. */
export interface RaftAddress {
	readonly host: string;
	readonly port: number;
}

/** One single-server change. Adds carry the new node's addresses for the drivers. */
export type ConfChange =
	| {
			readonly kind: "addLearner" | "addVoter";
			readonly id: NodeId;
			readonly raftAddress: RaftAddress;
			/** The member's HTTP API address (NotLeader answers and the member list name it). */
			readonly apiAddress?: string | undefined;
	  }
	| { readonly kind: "promote" | "remove"; readonly id: NodeId };

export const CONF_CHANGE_PREFIX = "\u0000conf:";

export function isConfChangeData(data: string): boolean {
	return data.startsWith(CONF_CHANGE_PREFIX);
}

const NodeIdSchema = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2 ** 31 - 1));
const Ids = v.pipe(v.array(NodeIdSchema), v.readonly());
export const RaftAddressSchema = v.strictObject({
	host: v.pipe(v.string(), v.minLength(1), v.maxLength(253)),
	port: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)),
});
export const ConfChangeSchema = v.variant("kind", [
	v.strictObject({
		kind: v.picklist(["addLearner", "addVoter"]),
		id: NodeIdSchema,
		raftAddress: RaftAddressSchema,
		apiAddress: v.optional(v.pipe(v.string(), v.maxLength(300))),
	}),
	v.strictObject({ kind: v.picklist(["promote", "remove"]), id: NodeIdSchema }),
]);
const ConfEntrySchema = v.strictObject({
	change: ConfChangeSchema,
	config: v.strictObject({ voters: Ids, learners: Ids }),
});

/** What a configuration-change entry holds. */
export interface ConfEntry {
	readonly change: ConfChange;
	readonly config: MembershipConfig;
}

export function encodeConfEntry(entry: ConfEntry): string {
	return CONF_CHANGE_PREFIX + JSON.stringify(entry);
}

/**
 * The change in an entry's data, or undefined if the data is not a configuration change.
 * Throws on an entry that claims to be one but does not parse: a corrupt or foreign log.
 */
export function decodeConfEntry(data: string): ConfEntry | undefined {
	if (!isConfChangeData(data)) return undefined;
	let raw: unknown;
	try {
		raw = JSON.parse(data.slice(CONF_CHANGE_PREFIX.length));
	} catch {
		throw new Error(`malformed configuration entry: not JSON: ${data.slice(0, 80)}`);
	}
	const parsed = v.safeParse(ConfEntrySchema, raw);
	if (!parsed.success) {
		throw new Error(`malformed configuration entry: ${parsed.issues[0].message}`);
	}
	return parsed.output;
}

export type ConfChangeCheck =
	| { readonly ok: true; readonly config: MembershipConfig }
	| { readonly ok: false; readonly message: string };

/** The configuration `change` makes of `config`, or why it is refused. */
export function applyConfChange(config: MembershipConfig, change: ConfChange): ConfChangeCheck {
	const { id } = change;
	const isVoter = config.voters.includes(id);
	const isLearner = config.learners.includes(id);
	const refuse = (message: string): ConfChangeCheck => ({ ok: false, message });
	switch (change.kind) {
		case "addLearner":
			if (isVoter) return refuse(`node ${id} is already a voter`);
			if (isLearner) return refuse(`node ${id} is already a learner`);
			return { ok: true, config: { voters: config.voters, learners: [...config.learners, id] } };
		case "addVoter":
			if (isVoter) return refuse(`node ${id} is already a voter`);
			if (isLearner) return refuse(`node ${id} is a learner: promote it instead`);
			return { ok: true, config: { voters: [...config.voters, id], learners: config.learners } };
		case "promote":
			if (isVoter) return refuse(`node ${id} is already a voter`);
			if (!isLearner) return refuse(`node ${id} is not a member`);
			return {
				ok: true,
				config: {
					voters: [...config.voters, id],
					learners: config.learners.filter((l) => l !== id),
				},
			};
		case "remove":
			if (!isVoter && !isLearner) return refuse(`node ${id} is not a member`);
			if (isVoter && config.voters.length === 1) {
				return refuse(`node ${id} is the last voter; a cluster needs one`);
			}
			return {
				ok: true,
				config: {
					voters: config.voters.filter((m) => m !== id),
					learners: config.learners.filter((m) => m !== id),
				},
			};
	}
}

export function isMember(config: MembershipConfig, id: NodeId): boolean {
	return config.voters.includes(id) || config.learners.includes(id);
}

interface Step {
	readonly index: number;
	readonly term: number;
	readonly config: MembershipConfig;
}

/** What the history needs of the log: its commit index, the term at an index. */
export interface TermLookup {
	readonly committed: number;
	term(index: number): number | undefined;
}

/**
 * The configurations in a log, oldest first: the base (the founding members, or later a
 * snapshot's) and one step per configuration entry after it. The latest is in force; a
 * truncation drops the steps it removed, which reverts to the configuration before them.
 */
export class ConfigHistory {
	private readonly steps: Step[];

	constructor(base: MembershipConfig, baseIndex = 0, baseTerm = 0) {
		this.steps = [{ index: baseIndex, term: baseTerm, config: base }];
	}

	get current(): MembershipConfig {
		return (this.steps.at(-1) as Step).config;
	}

	/** The index of the latest configuration entry (the base's index if there is none). */
	get latestIndex(): number {
		return (this.steps.at(-1) as Step).index;
	}

	/**
	 * The configuration in force once the log up to `index` is applied (what a snapshot at
	 * `index` records): the latest step at or below it.
	 */
	configAt(index: number): MembershipConfig {
		for (let i = this.steps.length - 1; i > 0; i--) {
			const step = this.steps[i] as Step;
			if (step.index <= index) return step.config;
		}
		return (this.steps[0] as Step).config;
	}

	/** Takes note of configuration entries among `entries`, which are now in the log. */
	record(entries: readonly Entry[]): void {
		for (const entry of entries) {
			if (entry.index <= this.latestIndex) continue;
			const conf = decodeConfEntry(entry.data);
			if (conf) this.steps.push({ index: entry.index, term: entry.term, config: conf.config });
		}
	}

	/**
	 * After the log changed under it (a follower's conflicting suffix was replaced): drops
	 * the steps whose entry is no longer there, then records the entries now in the log.
	 * The base is never dropped, nor a committed step (committed entries never change, and
	 * a compacted log may no longer know their terms).
	 */
	followLog(log: TermLookup, appended: readonly Entry[]): void {
		while (this.steps.length > 1) {
			const last = this.steps.at(-1) as Step;
			if (last.index <= log.committed || log.term(last.index) === last.term) break;
			this.steps.pop();
		}
		this.record(appended);
	}
}
