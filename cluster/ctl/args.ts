/**
 * neuroctl's command line, parsed once into a typed command. Anything wrong is a UsageError
 * naming what and why; the CLI prints it with the usage and exits 2, touching nothing.
 */
import { parseArgs } from "node:util";
import * as v from "valibot";
import { KeySchema } from "../kv/http-api.ts";
import { PeerAddressSchema } from "../transport/peers.ts";

export const USAGE = `usage: neuroctl [--endpoints URL,URL...] [--json] [--timeout-ms N] COMMAND
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
endpoints: --endpoints or NEURO_ENDPOINTS (default http://127.0.0.1:2380)`;

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
	| { readonly kind: "leader-transfer"; readonly to: number };

export interface CtlOptions {
	readonly endpoints: readonly string[];
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
		json?: boolean;
		"timeout-ms"?: string;
		absent?: boolean;
		learner?: boolean;
	};
	let positionals: string[];
	try {
		({ values, positionals } = parseArgs({
			args: [...argv],
			options: {
				endpoints: { type: "string" },
				json: { type: "boolean" },
				"timeout-ms": { type: "string" },
				absent: { type: "boolean" },
				learner: { type: "boolean" },
			},
			strict: true,
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
	const command = parseCommand(positionals, values.absent === true, values.learner === true);
	return { endpoints, json: values.json === true, timeoutMs, command };
}

function parseCommand(words: readonly string[], absent: boolean, learner: boolean): Command {
	const [verb, ...rest] = words;
	const key = (text: string | undefined) =>
		check(KeySchema as v.GenericSchema<string, string>, text, "KEY");
	if (absent && verb !== "cas") throw new UsageError("--absent only goes with cas");
	if (learner && !(verb === "members" && rest[0] === "add"))
		throw new UsageError("--learner only goes with members add");
	switch (verb) {
		case "put":
			expectCount(rest, 2, "put KEY VALUE");
			return { kind: "put", key: key(rest[0]), value: rest[1] as string };
		case "get":
			expectCount(rest, 1, "get KEY");
			return { kind: "get", key: key(rest[0]) };
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
			return parseMembers(rest, learner);
		case "leader":
			if (rest[0] !== "transfer") throw new UsageError("expected: leader transfer ID");
			expectCount(rest, 2, "leader transfer ID");
			return { kind: "leader-transfer", to: check(NodeIdText, rest[1], "ID") };
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
