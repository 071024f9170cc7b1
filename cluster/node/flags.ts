/**
 * Command-line flags of node.ts, parsed once and validated with valibot. Bad flags are an
 * error with the flag named, never a silent default.
 */
import { parseArgs } from "node:util";
import * as v from "valibot";

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

const FlagsSchema = v.object({
	host: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty")), "127.0.0.1"),
	port: v.optional(portNumber, "8080"),
	"memory-mb": v.optional(mebibytes, "256"),
	slab: v.optional(v.picklist(["auto", "ffi", "ts"], 'must be "auto", "ffi" or "ts"'), "auto"),
	origin: v.optional(
		v.pipe(
			v.string(),
			v.url("must be an absolute http(s) URL"),
			v.regex(/^https?:\/\//i, "must be an absolute http(s) URL"),
		),
	),
	hosts: v.optional(v.pipe(v.string(), v.minLength(1, "must be a file path"))),
});

export type NodeFlags = {
	readonly host: string;
	readonly port: number;
	readonly memoryMb: number;
	readonly slab: "auto" | "ffi" | "ts";
	/** One origin for every host; with neither this nor `hosts`, the demo origin runs. */
	readonly origin: string | undefined;
	/** A hosts YAML file routing hostnames to origins. */
	readonly hosts: string | undefined;
};

export class FlagError extends Error {
	override name = "FlagError";
}

export const USAGE =
	"usage: bun run node.ts [--host 127.0.0.1] [--port 8080] [--memory-mb 256] [--slab auto|ffi|ts]\n" +
	"                       [--origin URL | --hosts FILE]   (env: NEURO_ORIGIN, NEURO_ADMIN_TOKEN)";

/** Flags first, then the environment (NEURO_ORIGIN) for what flags left unset. */
export function parseNodeFlags(
	argv: readonly string[],
	env: Record<string, string | undefined> = {},
): NodeFlags {
	const withEnv = [...argv];
	if (env.NEURO_ORIGIN && !argv.includes("--origin") && !argv.includes("--hosts")) {
		withEnv.push("--origin", env.NEURO_ORIGIN);
	}
	return parseFlagList(withEnv);
}

function parseFlagList(argv: readonly string[]): NodeFlags {
	let values: Record<string, unknown>;
	try {
		({ values } = parseArgs({
			args: [...argv],
			options: {
				host: { type: "string" },
				port: { type: "string" },
				"memory-mb": { type: "string" },
				slab: { type: "string" },
				origin: { type: "string" },
				hosts: { type: "string" },
			},
			strict: true,
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
	if (out.origin !== undefined && out.hosts !== undefined) {
		throw new FlagError(`--origin and --hosts exclude each other: give one\n${USAGE}`);
	}
	return {
		host: out.host,
		port: out.port,
		memoryMb: out["memory-mb"],
		slab: out.slab,
		origin: out.origin,
		hosts: out.hosts,
	};
}
