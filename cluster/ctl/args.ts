/**
 * neuroctl's command line, parsed once into a typed command. Anything wrong is a UsageError
 * naming what and why; the CLI prints it with the usage and exits 2, touching nothing.
 */
import * as v from "valibot";
import { type PurgeRequest, PurgeRequestSchema } from "../../edge/purge.ts";
import { parseFlagsOnce } from "../cli/parse-flags.ts";
import { BySchema, NameSchema, RegisterValueSchema } from "../kv/crdt-api.ts";
import { KeySchema } from "../kv/http-api.ts";
import { PopNameSchema } from "../pop-config/command.ts";
import { PeerAddressSchema } from "../transport/peers.ts";

export const USAGE = `usage: neuroctl [--endpoints URL,URL...] [--token-file PATH] [--ca-file PATH] [--json] [--timeout-ms N] COMMAND
  put KEY VALUE              set a key
  get KEY                    read a key (linearizable); exit 1 when absent
  del KEY                    delete a key
  cas KEY EXPECTED VALUE     set KEY to VALUE only if it holds EXPECTED; exit 3 if not
  cas KEY --absent VALUE     ... only if KEY is absent
  status                     the node's role, term, leader, commit and applied index
  members [list]             the cluster's members (id, role, API URL, Raft address)
  members add ID URL HOST:PORT [--learner]
                             add member ID, its API at URL, its Raft transport at HOST:PORT;
                             with --learner it follows the log without voting (recommended:
                             add as a learner, then promote once it caught up)
  members remove ID          a member leaves (the leader too: it steps down after)
  members promote ID         a learner becomes a voter (refused until it caught up)
  leader transfer ID         hand leadership to voter ID
  purge URL [--soft]         purge a URL (and its Vary variants) from every node's edge;
                             --soft marks it stale instead of dropping it
  purge --tag TAG [--soft]   ... every object carrying a surrogate tag
  purge --prefix URL [--soft]  ... every URL starting with URL
  pop-config get NAME        a POP's replicated config (JSON); exit 1 when none
  pop-config set NAME FILE   set it from a YAML or JSON file (pops/NAME.yaml's shape)
  pop-config del NAME        remove it; exit 1 when none
gossip and CRDTs (any node answers from its own replica; no leader needed):
  incr NAME [N]              add N (default 1, at most 10^9) to counter NAME; prints its total
  decr NAME [N]              subtract N from counter NAME; prints its total
  get NAME --counter         counter NAME's cluster-wide total as that node knows it
  set NAME VALUE             write register NAME (last writer wins; VALUE at most 512 bytes)
  get NAME --register        register NAME's value; exit 1 when never set
  members --gossip           gossip's member table (id, state, incarnation, address, metadata)
  (plain \`get KEY\` and \`members\` stay the Raft KV's and configuration's)
endpoints: --endpoints or NEURO_ENDPOINTS (default http://127.0.0.1:2380)
token: the cluster's API token (the nodes' NEURO_ADMIN_TOKEN), from --token-file PATH (the
  file's one line) or NEURO_ADMIN_TOKEN, sent with every request as a bearer token
tls: https endpoints (a cluster file's apiTls) are verified against the CA certificate in
  --ca-file PATH or NEURO_CA_FILE, besides the system's
exit: 0 ok, 1 absent, 2 usage (a bad token file too), 3 compare failed, 4 no answer or no
  leader in time, 5 refused (a missing or wrong token too: HTTP 401)`;

export class UsageError extends Error {
	override name = "UsageError";
}

export type Command =
	| { readonly kind: "put"; readonly key: string; readonly value: string }
	| { readonly kind: "get"; readonly key: string }
	| { readonly kind: "del"; readonly key: string }
	| {
			readonly kind: "cas";
			readonly key: string;
			readonly expected: string | null;
			readonly value: string;
	  }
	| { readonly kind: "status" }
	| { readonly kind: "members" }
	| {
			readonly kind: "member-add";
			readonly id: number;
			readonly address: string;
			/** host:port of its Raft transport. */
			readonly raftAddress: string;
			readonly learner: boolean;
	  }
	| { readonly kind: "member-remove"; readonly id: number }
	| { readonly kind: "member-promote"; readonly id: number }
	| { readonly kind: "leader-transfer"; readonly to: number }
	| { readonly kind: "purge"; readonly purge: PurgeRequest }
	| { readonly kind: "pop-config-get"; readonly name: string }
	| { readonly kind: "pop-config-set"; readonly name: string; readonly file: string }
	| { readonly kind: "pop-config-del"; readonly name: string }
	| {
			readonly kind: "counter-step";
			readonly name: string;
			readonly by: number;
			readonly direction: "incr" | "decr";
	  }
	| { readonly kind: "counter-get"; readonly name: string }
	| { readonly kind: "register-set"; readonly name: string; readonly value: string }
	| { readonly kind: "register-get"; readonly name: string }
	| { readonly kind: "gossip-members" };

/** Visible ASCII without spaces: what a header carries as one bearer credential. */
export const TokenSchema = v.pipe(
	v.string(),
	v.minLength(1, "is empty"),
	v.maxLength(4096, "is over 4096 characters"),
	v.regex(/^[\x21-\x7e]+$/, "must be visible ASCII characters only (no spaces or line breaks)"),
);

/** Where the API token comes from: `--token-file` wins over NEURO_ADMIN_TOKEN (ctl/token.ts). */
export type TokenSource =
	| { readonly kind: "none" }
	| { readonly kind: "env"; readonly token: string }
	| { readonly kind: "file"; readonly path: string };

export interface CtlOptions {
	readonly endpoints: readonly string[];
	readonly token: TokenSource;
	/** A CA certificate file to trust for https endpoints, besides the system's. */
	readonly caFile: string | undefined;
	readonly json: boolean;
	readonly timeoutMs: number;
	readonly command: Command;
}

const Endpoint = v.pipe(
	v.string(),
	v.trim(),
	v.regex(/^https?:\/\/[^/\s]+\/?$/, "each endpoint must look like http://host:port"),
	v.transform((text) => text.replace(/\/$/, "")),
);
const Endpoints = v.pipe(
	v.string(),
	v.transform((text) => text.split(",")),
	v.array(Endpoint),
	v.minLength(1),
);
const NodeIdText = v.pipe(
	v.string(),
	v.regex(/^[1-9]\d{0,8}$/, "a member id is a positive whole number"),
	v.transform(Number),
);
const TimeoutText = v.pipe(
	v.string(),
	v.regex(/^\d{1,7}$/, "--timeout-ms must be a whole number of ms"),
	v.transform(Number),
	v.number(),
	v.minValue(1, "--timeout-ms must be at least 1"),
);

function check<T>(schema: v.GenericSchema<string, T>, text: string | undefined, what: string): T {
	if (text === undefined) throw new UsageError(`${what} is missing`);
	const parsed = v.safeParse(schema, text);
	if (!parsed.success) throw new UsageError(`${what}: ${parsed.issues[0].message}`);
	return parsed.output;
}

function expectCount(words: readonly string[], count: number, form: string): void {
	if (words.length !== count) throw new UsageError(`expected: ${form}`);
}

export function parseCtlArgs(
	argv: readonly string[],
	env: Record<string, string | undefined>,
): CtlOptions {
	let values: {
		endpoints?: string;
		"token-file"?: string;
		"ca-file"?: string;
		json?: boolean;
		"timeout-ms"?: string;
		absent?: boolean;
		learner?: boolean;
		soft?: boolean;
		tag?: string;
		prefix?: string;
		counter?: boolean;
		register?: boolean;
		gossip?: boolean;
	};
	let positionals: readonly string[];
	try {
		({ values, positionals } = parseFlagsOnce(argv, {
			options: {
				endpoints: { type: "string" },
				"token-file": { type: "string" },
				"ca-file": { type: "string" },
				json: { type: "boolean" },
				"timeout-ms": { type: "string" },
				absent: { type: "boolean" },
				learner: { type: "boolean" },
				soft: { type: "boolean" },
				tag: { type: "string" },
				prefix: { type: "string" },
				counter: { type: "boolean" },
				register: { type: "boolean" },
				gossip: { type: "boolean" },
			},
			allowPositionals: true,
		}));
	} catch (error) {
		throw new UsageError((error as Error).message);
	}
	const endpoints = check(
		Endpoints,
		values.endpoints ?? env.NEURO_ENDPOINTS ?? "http://127.0.0.1:2380",
		"--endpoints",
	);
	const timeoutMs =
		values["timeout-ms"] === undefined
			? 5000
			: check(TimeoutText, values["timeout-ms"], "--timeout-ms");
	const token = tokenSource(values["token-file"], env.NEURO_ADMIN_TOKEN);
	const command = parseCommand(positionals, values);
	// Empty counts as unset in the environment, as NEURO_ADMIN_TOKEN does; not on the line.
	const caFile = values["ca-file"] ?? (env.NEURO_CA_FILE === "" ? undefined : env.NEURO_CA_FILE);
	if (caFile === "") throw new UsageError("--ca-file: must be a file path");
	return { endpoints, token, caFile, json: values.json === true, timeoutMs, command };
}

function tokenSource(file: string | undefined, fromEnv: string | undefined): TokenSource {
	if (file !== undefined) {
		if (file === "") throw new UsageError("--token-file: must be a file path");
		return { kind: "file", path: file };
	}
	// Empty counts as unset, as it does for the node (`NEURO_ADMIN_TOKEN=` left in a shell).
	if (fromEnv === undefined || fromEnv === "") return { kind: "none" };
	const parsed = v.safeParse(TokenSchema, fromEnv);
	if (!parsed.success) throw new UsageError(`NEURO_ADMIN_TOKEN: ${parsed.issues[0].message}`);
	return { kind: "env", token: parsed.output };
}

interface CommandFlags {
	readonly absent?: boolean;
	readonly learner?: boolean;
	readonly soft?: boolean;
	readonly tag?: string;
	readonly prefix?: string;
	readonly counter?: boolean;
	readonly register?: boolean;
	readonly gossip?: boolean;
}

const ByText = v.pipe(
	v.string(),
	v.regex(/^\d{1,10}$/, "N must be a whole number"),
	v.transform(Number),
	BySchema,
);

function parseCommand(words: readonly string[], flags: CommandFlags): Command {
	const [verb, ...rest] = words;
	const absent = flags.absent === true;
	const learner = flags.learner === true;
	const key = (text: string | undefined) =>
		check(KeySchema as v.GenericSchema<string, string>, text, "KEY");
	if (absent && verb !== "cas") throw new UsageError("--absent only goes with cas");
	if (learner && !(verb === "members" && rest[0] === "add"))
		throw new UsageError("--learner only goes with members add");
	if (verb !== "purge" && (flags.soft || flags.tag !== undefined || flags.prefix !== undefined))
		throw new UsageError("--soft, --tag and --prefix only go with purge");
	if ((flags.counter === true || flags.register === true) && verb !== "get")
		throw new UsageError("--counter and --register only go with get");
	if (flags.counter === true && flags.register === true)
		throw new UsageError("get takes --counter or --register, not both");
	if (flags.gossip === true && verb !== "members")
		throw new UsageError("--gossip only goes with members");
	const name = (text: string | undefined) =>
		check(NameSchema as v.GenericSchema<string, string>, text, "NAME");
	switch (verb) {
		case "put":
			expectCount(rest, 2, "put KEY VALUE");
			return { kind: "put", key: key(rest[0]), value: rest[1] as string };
		case "get":
			if (flags.counter === true) {
				expectCount(rest, 1, "get NAME --counter");
				return { kind: "counter-get", name: name(rest[0]) };
			}
			if (flags.register === true) {
				expectCount(rest, 1, "get NAME --register");
				return { kind: "register-get", name: name(rest[0]) };
			}
			expectCount(rest, 1, "get KEY");
			return { kind: "get", key: key(rest[0]) };
		case "incr":
		case "decr": {
			if (rest.length !== 1 && rest.length !== 2)
				throw new UsageError(`expected: ${verb} NAME [N]`);
			const by = rest[1] === undefined ? 1 : check(ByText, rest[1], "N");
			return { kind: "counter-step", direction: verb, name: name(rest[0]), by };
		}
		case "set":
			expectCount(rest, 2, "set NAME VALUE");
			return {
				kind: "register-set",
				name: name(rest[0]),
				value: check(RegisterValueSchema, rest[1], "VALUE"),
			};
		case "del":
			expectCount(rest, 1, "del KEY");
			return { kind: "del", key: key(rest[0]) };
		case "cas":
			if (absent) {
				expectCount(rest, 2, "cas KEY --absent VALUE");
				return { kind: "cas", key: key(rest[0]), expected: null, value: rest[1] as string };
			}
			expectCount(rest, 3, "cas KEY EXPECTED VALUE");
			return {
				kind: "cas",
				key: key(rest[0]),
				expected: rest[1] as string,
				value: rest[2] as string,
			};
		case "status":
			expectCount(rest, 0, "status");
			return { kind: "status" };
		case "members":
			if (flags.gossip === true) {
				expectCount(rest, 0, "members --gossip");
				return { kind: "gossip-members" };
			}
			return parseMembers(rest, learner);
		case "leader":
			if (rest[0] !== "transfer") throw new UsageError("expected: leader transfer ID");
			expectCount(rest, 2, "leader transfer ID");
			return { kind: "leader-transfer", to: check(NodeIdText, rest[1], "ID") };
		case "purge":
			return parsePurge(rest, flags);
		case "pop-config":
			return parsePopConfig(rest);
		case undefined:
			throw new UsageError("no command given");
		default:
			throw new UsageError(`unknown command: ${verb}`);
	}
}

function parseMembers(rest: readonly string[], learner: boolean): Command {
	const [action, ...args] = rest;
	switch (action) {
		case undefined:
		case "list":
			expectCount(args, 0, "members [list]");
			return { kind: "members" };
		case "add": {
			expectCount(args, 3, "members add ID URL HOST:PORT [--learner]");
			const id = check(NodeIdText, args[0], "ID");
			const address = check(Endpoint, args[1], "URL");
			check(PeerAddressSchema, args[2], "HOST:PORT");
			return { kind: "member-add", id, address, raftAddress: args[2] as string, learner };
		}
		case "remove":
			expectCount(args, 1, "members remove ID");
			return { kind: "member-remove", id: check(NodeIdText, args[0], "ID") };
		case "promote":
			expectCount(args, 1, "members promote ID");
			return { kind: "member-promote", id: check(NodeIdText, args[0], "ID") };
		default:
			throw new UsageError(`unknown members action: ${action}`);
	}
}

function parsePurge(rest: readonly string[], flags: CommandFlags): Command {
	const form = "purge URL | purge --tag TAG | purge --prefix URL, each with optional --soft";
	const given = [rest.length > 0, flags.tag !== undefined, flags.prefix !== undefined];
	if (given.filter(Boolean).length !== 1 || rest.length > 1)
		throw new UsageError(`expected: ${form}`);
	const soft = flags.soft === true ? { soft: true } : {};
	const request =
		flags.tag !== undefined
			? { tag: flags.tag, ...soft }
			: flags.prefix !== undefined
				? { prefix: flags.prefix, ...soft }
				: { url: rest[0], ...soft };
	const parsed = v.safeParse(PurgeRequestSchema, request);
	if (!parsed.success) {
		const field =
			flags.tag !== undefined ? "--tag" : flags.prefix !== undefined ? "--prefix" : "URL";
		throw new UsageError(`${field}: ${parsed.issues.at(-1)?.message ?? "invalid"}`);
	}
	return { kind: "purge", purge: parsed.output };
}

function parsePopConfig(rest: readonly string[]): Command {
	const [action, ...args] = rest;
	const name = (text: string | undefined) =>
		check(PopNameSchema as v.GenericSchema<string, string>, text, "NAME");
	switch (action) {
		case "get":
			expectCount(args, 1, "pop-config get NAME");
			return { kind: "pop-config-get", name: name(args[0]) };
		case "set":
			expectCount(args, 2, "pop-config set NAME FILE");
			return { kind: "pop-config-set", name: name(args[0]), file: args[1] as string };
		case "del":
			expectCount(args, 1, "pop-config del NAME");
			return { kind: "pop-config-del", name: name(args[0]) };
		default:
			throw new UsageError(
				action === undefined
					? "expected: pop-config get|set|del NAME"
					: `unknown pop-config action: ${action}`,
			);
	}
}
