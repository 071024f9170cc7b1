/**
 * Command-line flags of node.ts, parsed once and validated with valibot. Bad flags are an
 * error with the flag named, never a silent default.
 *
 * Each setting comes from the first of: a flag, the environment (NEURO_ORIGIN, NEURO_POP),
 * the POP config baked into a POP binary (cluster/node/pop-config.ts), the default.
 */
import * as v from "valibot";
import type { HostsConfig } from "../../edge/config/hosts.ts";
import { DEFAULT_STALE_IF_UNREACHABLE_S } from "../../edge/http/reuse.ts";
import { lockTimeoutsFor } from "../../edge/lock/lock-timeouts.ts";
import { IDLE_MARGIN_SECONDS, MAX_IDLE_TIMEOUT_SECONDS } from "../../edge/runtime/bun.ts";
import { usefulLargeMb } from "../../edge/store/large-budget.ts";
import { parseFlagsOnce } from "../cli/parse-flags.ts";
import { LOG_LEVELS, type LogLevel } from "../transport/log.ts";
import { POP_NAME, type PopConfig } from "./pop-config.ts";

const portNumber = v.pipe(
	v.string(),
	v.regex(/^\d{1,5}$/, "must be a port number"),
	v.transform(Number),
	v.number(),
	v.minValue(0, "must be 0-65535"),
	v.maxValue(65_535, "must be 0-65535"),
);

const mebibytes = v.pipe(
	v.string(),
	v.regex(/^\d+$/, "must be a whole number of MiB"),
	v.transform(Number),
	v.number(),
	v.minValue(1, "must be at least 1 MiB"),
	v.maxValue(65_536, "must be at most 65536 MiB"),
);

/** The large objects' budget: like mebibytes, but 0 turns the store off. */
const largeMebibytes = v.pipe(
	v.string(),
	v.regex(/^\d+$/, "must be a whole number of MiB (0: off)"),
	v.transform(Number),
	v.number(),
	v.maxValue(65_536, "must be at most 65536 MiB"),
	usefulLargeMb,
);

/** Ten minutes: longer than any orchestrator waits between SIGTERM and SIGKILL. */
const MAX_DRAIN_MS = 600_000;

const milliseconds = v.pipe(
	v.string(),
	v.regex(/^\d+$/, "must be a whole number of milliseconds"),
	v.transform(Number),
	v.number(),
	v.maxValue(MAX_DRAIN_MS, `must be at most ${MAX_DRAIN_MS} (10 minutes)`),
);

/**
 * The longest a request may legitimately wait: on the coalescing lock, then on the origin.
 * The client connection's idle timeout covers it plus a margin (idleTimeoutFor), and Bun
 * caps that at 255 s.
 */
const MAX_WAIT_THEN_ORIGIN_MS = (MAX_IDLE_TIMEOUT_SECONDS - IDLE_MARGIN_SECONDS) * 1000;
const MAX_ORIGIN_TIMEOUT_MS = MAX_WAIT_THEN_ORIGIN_MS;

/** A timeout in whole milliseconds: at least 1, at most ten minutes. */
const timeoutMilliseconds = v.pipe(
	v.string(),
	v.regex(/^\d+$/, "must be a whole number of milliseconds"),
	v.transform(Number),
	v.number(),
	v.minValue(1, "must be at least 1 ms"),
	v.maxValue(MAX_DRAIN_MS, `must be at most ${MAX_DRAIN_MS} (10 minutes)`),
);

/** A week: past that a stored copy is history, not a fallback. */
const MAX_STALE_IF_UNREACHABLE_S = 604_800;

const staleSeconds = v.pipe(
	v.string(),
	v.regex(/^\d+$/, "must be a whole number of seconds"),
	v.transform(Number),
	v.number(),
	v.maxValue(MAX_STALE_IF_UNREACHABLE_S, `must be at most ${MAX_STALE_IF_UNREACHABLE_S} (a week)`),
);

const filePath = v.pipe(v.string(), v.minLength(1, "must be a file path"));

/** Only what was given: defaults are applied after the env and the baked POP config. */
const FlagsSchema = v.object({
	host: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty"))),
	port: v.optional(portNumber),
	"memory-mb": v.optional(mebibytes),
	"large-mb": v.optional(largeMebibytes),
	slab: v.optional(v.picklist(["auto", "ffi", "ts"], 'must be "auto", "ffi" or "ts"'), "auto"),
	origin: v.optional(
		v.pipe(
			v.string(),
			v.url("must be an absolute http(s) URL"),
			v.regex(/^https?:\/\//i, "must be an absolute http(s) URL"),
		),
	),
	hosts: v.optional(filePath),
	demo: v.optional(v.boolean(), false),
	"tls-cert": v.optional(filePath),
	"tls-key": v.optional(filePath),
	http2: v.optional(v.boolean(), false),
	http3: v.optional(v.boolean(), false),
	"drain-ms": v.optional(milliseconds),
	"origin-timeout-ms": v.optional(
		v.pipe(
			timeoutMilliseconds,
			// The client connection's idle timeout must outlast the origin call, and Bun caps
			// it at 255 s (idleTimeoutFor adds 5 s): past that a client would be cut off first.
			// The lock wait counts too: lockTimeouts checks the sum.
			v.maxValue(
				MAX_ORIGIN_TIMEOUT_MS,
				`must be at most ${MAX_ORIGIN_TIMEOUT_MS} (the client connection's idle limit is 255 s)`,
			),
		),
	),
	"lock-writer-ms": v.optional(timeoutMilliseconds),
	"lock-wait-ms": v.optional(timeoutMilliseconds),
	"stale-if-unreachable-s": v.optional(staleSeconds),
	"access-log": v.optional(v.pipe(v.string(), v.minLength(1, "must be a file path or -"))),
	version: v.optional(v.boolean(), false),
	id: v.optional(
		v.pipe(
			v.string(),
			v.regex(/^[1-9]\d{0,8}$/, "must be a positive whole number"),
			v.transform(Number),
		),
	),
	config: v.optional(filePath),
	data: v.optional(v.pipe(v.string(), v.minLength(1, "must be a directory path"))),
	"api-port": v.optional(portNumber),
	"log-level": v.optional(
		v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`),
		"info",
	),
});

export type NodeFlags = {
	readonly host: string;
	readonly port: number;
	readonly memoryMb: number;
	/**
	 * MiB for objects above the slab's 1 MiB gate (large-objects.ts), held apart from
	 * memoryMb; the largest such object is a quarter of it. 0: they stream through uncached.
	 */
	readonly largeMb: number;
	readonly slab: "auto" | "ffi" | "ts";
	/** NEURO_TAKEOVER=1: bind beside a process serving on the port, to replace it. */
	readonly takeover: boolean;
	/** One origin for every host; with no origin, hosts or routes, the demo origin runs. */
	readonly origin: string | undefined;
	/** A hosts YAML file routing hostnames to origins. */
	readonly hosts: string | undefined;
	/** Routes baked into a POP binary, used when no flag or env names an origin. */
	readonly routes: HostsConfig | undefined;
	/** Serve the built-in demo origin whatever the baked config says (`--demo`). */
	readonly demo: boolean;
	/**
	 * What chose the routing at start, when a flag or the env did: such routing is pinned,
	 * and a replicated POP config does not change it (cluster/node/pop-routing.ts).
	 * undefined: the baked config or the demo default, which a replicated config overrides.
	 */
	readonly routingPinnedBy: RoutingPin | undefined;
	/** PEM files; both or neither. */
	readonly tls: { readonly certPath: string; readonly keyPath: string } | undefined;
	readonly http2: boolean;
	readonly http3: boolean;
	/** How long SIGTERM waits for in-flight requests before closing them. */
	readonly drainMs: number;
	/** How long a call to the origin may take, headers and body (hosts may set their own). */
	readonly originTimeoutMs: number;
	/** Request coalescing: how long a fill may hold a key, and how long waiters wait for it. */
	readonly lock: { readonly writerTimeoutMs: number; readonly readerWaitMs: number };
	/** How stale a stored response may be to be served while the origin is unreachable. */
	readonly staleIfUnreachableSeconds: number;
	/** Where the access log goes (a file, or "-" for stderr); undefined: no access log. */
	readonly accessLog: string | undefined;
	readonly pop: string;
	readonly version: boolean;
	/** This node's id and the cluster file: the node also runs a Raft member. */
	readonly cluster: { readonly id: number; readonly configPath: string } | undefined;
	/** `--data DIR`: a single-node cluster keeping its log there, its API on apiPort. */
	readonly singleNode: { readonly dataDir: string; readonly apiPort: number } | undefined;
	/** The Raft member's least logged level: DEBUG adds elections to INFO's leadership. */
	readonly logLevel: LogLevel;
};

/** The flag (or env variable) that chose the routing at start. */
export type RoutingPin = "--origin" | "--hosts" | "--demo" | "NEURO_ORIGIN";

export class FlagError extends Error {
	override name = "FlagError";
}

export const USAGE =
	"usage: bun run node.ts | neuro-edge-POP\n" +
	"         [--host 127.0.0.1] [--port 8080] [--memory-mb 256] [--large-mb 256]\n" +
	"         [--slab auto|ffi|ts]\n" +
	"         [--origin URL | --hosts FILE | --demo] [--drain-ms 15000]\n" +
	"         [--origin-timeout-ms 15000] [--lock-writer-ms 20000] [--lock-wait-ms 35000]\n" +
	"         (lock defaults follow the origin timeout: writer +5 s, wait writer + origin)\n" +
	"         [--stale-if-unreachable-s 3600] (0: a dead origin's errors pass through)\n" +
	"         [--access-log FILE|-] (one JSON line per request; - for stderr)\n" +
	"         [--tls-cert PEM --tls-key PEM [--http2] [--http3]] [--version]\n" +
	"         [--id N --config nodes.yaml]   (also run Raft member N of that cluster)\n" +
	"         [--data DIR [--api-port 2380]] (or a single-node cluster, its log in DIR)\n" +
	"         [--log-level trace|debug|info|warn|error] (the Raft member's logs; default info)\n" +
	"         (env: NEURO_ORIGIN, NEURO_POP, NEURO_ADMIN_TOKEN, NEURO_CLUSTER_SECRET_FILE (the\n" +
	"         cluster secret's file for --id/--config and --data), NEURO_TAKEOVER=1 (replace\n" +
	"         the process serving on the port: a rolling restart); a POP binary's baked config\n" +
	"         supplies host, port, memory and origin where flags and env do not)";

export const DEFAULTS = {
	host: "127.0.0.1",
	port: 8080,
	memoryMb: 256,
	largeMb: 256,
	originTimeoutMs: 15_000,
	staleIfUnreachableSeconds: DEFAULT_STALE_IF_UNREACHABLE_S,
	pop: "local",
	/** The control plane's API port: where neuroctl looks by default. */
	apiPort: 2380,
} as const;

/** Flags first, then the environment, then the baked POP config, then the defaults. */
export function parseNodeFlags(
	argv: readonly string[],
	env: Record<string, string | undefined> = {},
	baked?: PopConfig,
): NodeFlags {
	const withEnv = [...argv];
	// `--origin URL` and `--origin=URL` alike: the env's origin only fills in for no flag.
	const routedByFlag = ["--origin", "--hosts", "--demo"].some((flag) =>
		argv.some((arg) => arg === flag || arg.startsWith(`${flag}=`)),
	);
	if (env.NEURO_ORIGIN && !routedByFlag) withEnv.push("--origin", env.NEURO_ORIGIN);
	const given = parseFlagList(withEnv);
	const routedByUs = given.origin !== undefined || given.hosts !== undefined || given.demo;
	const originTimeoutMs = given["origin-timeout-ms"] ?? DEFAULTS.originTimeoutMs;
	return {
		host: given.host ?? baked?.listen.host ?? DEFAULTS.host,
		port: given.port ?? baked?.listen.port ?? DEFAULTS.port,
		memoryMb: given["memory-mb"] ?? baked?.tiers.memoryMb ?? DEFAULTS.memoryMb,
		largeMb: given["large-mb"] ?? baked?.tiers.largeMb ?? DEFAULTS.largeMb,
		slab: given.slab,
		origin: given.origin ?? (routedByUs ? undefined : baked?.origin),
		hosts: given.hosts,
		routes: routedByUs ? undefined : baked?.routes,
		demo: given.demo,
		routingPinnedBy: routingPin(argv, given),
		tls: tlsPair(given["tls-cert"], given["tls-key"]),
		http2: given.http2,
		http3: given.http3,
		// As long as an origin call may take, unless given: a forward in flight can finish.
		drainMs: given["drain-ms"] ?? originTimeoutMs,
		originTimeoutMs,
		lock: lockTimeouts(given, originTimeoutMs),
		staleIfUnreachableSeconds:
			given["stale-if-unreachable-s"] ?? DEFAULTS.staleIfUnreachableSeconds,
		accessLog: given["access-log"],
		pop: popFromEnv(env.NEURO_POP) ?? baked?.name ?? DEFAULTS.pop,
		takeover: takeoverFromEnv(env.NEURO_TAKEOVER),
		version: given.version,
		cluster: clusterFlags(given.id, given.config),
		singleNode: singleNodeFlags(given),
		logLevel: given["log-level"],
	};
}

/**
 * The coalescing lock's timeouts: as given, else derived from the origin timeout
 * (lockTimeoutsFor), the writer's from the one given. A request may wait on the lock and
 * then on the origin, so the two together must fit the client connection's idle limit:
 * a given wait that does not is refused; a derived one is cut to fit (down to 0, no
 * waiting, at the largest origin timeout), so waiters may then give up before the writer.
 */
function lockTimeouts(given: GivenFlags, originTimeoutMs: number): NodeFlags["lock"] {
	const derived = lockTimeoutsFor(originTimeoutMs);
	const writerTimeoutMs = given["lock-writer-ms"] ?? derived.writerTimeoutMs;
	const room = MAX_WAIT_THEN_ORIGIN_MS - originTimeoutMs;
	const waitGiven = given["lock-wait-ms"];
	if (waitGiven === undefined)
		return { writerTimeoutMs, readerWaitMs: Math.min(writerTimeoutMs + originTimeoutMs, room) };
	if (waitGiven > room)
		throw new FlagError(
			`--lock-wait-ms ${waitGiven} with --origin-timeout-ms ${originTimeoutMs}: a request may wait on the lock and then on the origin, and the two must add up to at most ${MAX_WAIT_THEN_ORIGIN_MS} (the client connection's idle limit is ${MAX_IDLE_TIMEOUT_SECONDS} s)\n${USAGE}`,
		);
	return { writerTimeoutMs, readerWaitMs: waitGiven };
}

/**
 * NEURO_POP, checked as a POP config's name is: the node follows the replicated config of
 * that name (which neuroctl only stores under such a name), labels its metrics with it and
 * logs it, so a name with spaces, quotes or a newline would match no config and split its
 * own log line. Empty counts as unset, as the node's other NEURO_ variables do.
 */
function popFromEnv(value: string | undefined): string | undefined {
	if (value === undefined || value === "") return undefined;
	if (!POP_NAME.test(value))
		throw new FlagError(
			`NEURO_POP: must be 2-32 characters of a-z, 0-9 and '-', starting with a letter (got ${JSON.stringify(value)})\n${USAGE}`,
		);
	return value;
}

/**
 * NEURO_TAKEOVER=1: this process replaces one serving on its port (a rolling restart), so it
 * binds beside it. An environment variable rather than a flag: a rollout starts the previous
 * binary again on a rollback, and a flag that binary does not know would stop it.
 */
function takeoverFromEnv(value: string | undefined): boolean {
	if (value === undefined || value === "" || value === "0") return false;
	if (value === "1") return true;
	throw new FlagError(`NEURO_TAKEOVER: must be 1 or 0 (got ${JSON.stringify(value)})\n${USAGE}`);
}

function routingPin(argv: readonly string[], given: GivenFlags): RoutingPin | undefined {
	if (given.hosts !== undefined) return "--hosts";
	if (given.demo) return "--demo";
	if (given.origin === undefined) return undefined;
	return argv.some((arg) => arg === "--origin" || arg.startsWith("--origin="))
		? "--origin"
		: "NEURO_ORIGIN";
}

function singleNodeFlags(given: GivenFlags): NodeFlags["singleNode"] {
	if (given.data === undefined) {
		if (given["api-port"] !== undefined)
			throw new FlagError(`--api-port goes with --data (a single-node cluster)\n${USAGE}`);
		return undefined;
	}
	if (given.id !== undefined || given.config !== undefined)
		throw new FlagError(
			`--data runs a single-node cluster; with --id/--config the cluster file names the data dir: give one\n${USAGE}`,
		);
	return { dataDir: given.data, apiPort: given["api-port"] ?? DEFAULTS.apiPort };
}

function clusterFlags(
	id: number | undefined,
	configPath: string | undefined,
): NodeFlags["cluster"] {
	if (id === undefined && configPath === undefined) return undefined;
	if (id === undefined || configPath === undefined) {
		throw new FlagError(`--id and --config go together: give both\n${USAGE}`);
	}
	return { id, configPath };
}

function tlsPair(
	certPath: string | undefined,
	keyPath: string | undefined,
): NodeFlags["tls"] | undefined {
	if (certPath === undefined && keyPath === undefined) return undefined;
	if (certPath === undefined || keyPath === undefined) {
		throw new FlagError(`--tls-cert and --tls-key go together: give both\n${USAGE}`);
	}
	return { certPath, keyPath };
}

type GivenFlags = v.InferOutput<typeof FlagsSchema>;

function parseFlagList(argv: readonly string[]): GivenFlags {
	let values: Record<string, unknown>;
	try {
		({ values } = parseFlagsOnce(argv, {
			options: {
				host: { type: "string" },
				port: { type: "string" },
				"memory-mb": { type: "string" },
				"large-mb": { type: "string" },
				slab: { type: "string" },
				origin: { type: "string" },
				hosts: { type: "string" },
				demo: { type: "boolean" },
				"tls-cert": { type: "string" },
				"tls-key": { type: "string" },
				http2: { type: "boolean" },
				http3: { type: "boolean" },
				"drain-ms": { type: "string" },
				"origin-timeout-ms": { type: "string" },
				"lock-writer-ms": { type: "string" },
				"lock-wait-ms": { type: "string" },
				"stale-if-unreachable-s": { type: "string" },
				"access-log": { type: "string" },
				version: { type: "boolean" },
				id: { type: "string" },
				config: { type: "string" },
				data: { type: "string" },
				"api-port": { type: "string" },
				"log-level": { type: "string" },
			},
			allowPositionals: false,
		}));
	} catch (error) {
		throw new FlagError(`${(error as Error).message}\n${USAGE}`);
	}
	const result = v.safeParse(FlagsSchema, values);
	if (!result.success) {
		const issue = result.issues[0];
		const flag = issue.path?.map((p) => String(p.key)).join(".") ?? "?";
		throw new FlagError(
			`--${flag}: ${issue.message} (got ${JSON.stringify(issue.input)})\n${USAGE}`,
		);
	}
	const out = result.output;
	const routing = [
		out.origin !== undefined && "--origin",
		out.hosts !== undefined && "--hosts",
		out.demo && "--demo",
	].filter((flag): flag is string => flag !== false);
	if (routing.length > 1) {
		throw new FlagError(`${routing.join(" and ")} exclude each other: give one\n${USAGE}`);
	}
	const needsTls = [out.http2 && "--http2", out.http3 && "--http3"].filter(
		(flag): flag is string => flag !== false,
	);
	if (needsTls.length > 0 && out["tls-cert"] === undefined && out["tls-key"] === undefined) {
		throw new FlagError(
			`${needsTls.join(" and ")} need${needsTls.length > 1 ? "" : "s"} --tls-cert and --tls-key (served over TLS only)\n${USAGE}`,
		);
	}
	return out;
}
