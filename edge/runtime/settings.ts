/**
 * What an edge adapter needs to know, read from its runtime's environment under the same
 * names everywhere (process.env on Node and Bun, Deno.env, a Worker's env bindings), and
 * validated here once with valibot: a bad value is an error naming the variable, never a
 * silent default.
 *
 * Routing is NEURO_ORIGIN (one origin for every Host), NEURO_ROUTES (the hosts document of
 * edge/config/hosts.ts as JSON: environments and Worker bindings carry text, and JSON needs
 * no parser beyond the runtime's), or both, NEURO_ORIGIN then being the origin for hosts
 * the document does not name. A document with its own `default` and NEURO_ORIGIN as well is
 * refused: two defaults, and no way to tell which the operator meant.
 */
import * as v from "valibot";
import {
	type HostsConfig,
	HostsConfigError,
	OriginUrl,
	validateHostsConfig,
} from "../config/hosts.ts";
import { usefulLargeMb } from "../store/large-budget.ts";

const wholeNumber = (min: number, max: number, what: string) =>
	v.pipe(
		v.string(),
		v.regex(/^\d{1,6}$/, `must be a whole number (${what})`),
		v.transform(Number),
		v.number(),
		v.minValue(min, `must be ${min}-${max} (${what})`),
		v.maxValue(max, `must be ${min}-${max} (${what})`),
	);

/** As the POP's --origin-timeout-ms: Bun's idle timeout (255 s) must outlast it. */
const MAX_ORIGIN_TIMEOUT_MS = 250_000;
export const DEFAULT_ORIGIN_TIMEOUT_MS = 15_000;

const SettingsSchema = v.object({
	NEURO_ORIGIN: v.optional(OriginUrl),
	NEURO_ROUTES: v.optional(v.string("must be a string")),
	NEURO_ORIGIN_TIMEOUT_MS: v.optional(
		wholeNumber(1, MAX_ORIGIN_TIMEOUT_MS, "milliseconds to wait for the origin"),
		String(DEFAULT_ORIGIN_TIMEOUT_MS),
	),
	NEURO_HOST: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty")), "127.0.0.1"),
	NEURO_PORT: v.optional(wholeNumber(0, 65_535, "a port; 0 picks a free one"), "8080"),
	NEURO_MEMORY_MB: v.optional(wholeNumber(1, 65_536, "MiB of L0 memory"), "64"),
	NEURO_LARGE_MB: v.optional(
		v.pipe(
			wholeNumber(0, 65_536, "MiB for objects over 1 MiB, held beside L0; 0: not cached"),
			usefulLargeMb,
		),
		"64",
	),
	NEURO_ADMIN_TOKEN: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty"))),
	NEURO_POP: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64)), "local"),
});

export interface EdgeSettings {
	/** Which origin serves which Host; `default` for the rest, when there is one. */
	readonly routes: HostsConfig;
	readonly originTimeoutMs: number;
	readonly host: string;
	readonly port: number;
	readonly memoryMb: number;
	/**
	 * MiB for objects above the slab's 1 MiB gate (store/large-objects.ts), apart from
	 * memoryMb; the largest such object is a quarter of it. 0: they stream through uncached.
	 */
	readonly largeMb: number;
	/** Bearer token for /_neuro/purge; without one purging is off. */
	readonly adminToken: string | undefined;
	readonly pop: string;
}

export class SettingsError extends Error {
	override name = "SettingsError";
}

/** Reads the NEURO_* variables out of an environment; other variables are ignored. */
export function parseSettings(env: Readonly<Record<string, unknown>>): EdgeSettings {
	// Empty strings count as unset, the way shells leave `NEURO_ADMIN_TOKEN=` lying around.
	const present = Object.fromEntries(
		Object.entries(env).filter(([name, value]) => name.startsWith("NEURO_") && value !== ""),
	);
	const result = v.safeParse(SettingsSchema, present);
	if (!result.success) {
		const issue = result.issues[0];
		const name = issue.path?.map((p) => String(p.key)).join(".") ?? "environment";
		throw new SettingsError(`${name}: ${issue.message}`);
	}
	const s = result.output;
	return {
		routes: routesOf(s.NEURO_ORIGIN, s.NEURO_ROUTES),
		originTimeoutMs: s.NEURO_ORIGIN_TIMEOUT_MS,
		host: s.NEURO_HOST,
		port: s.NEURO_PORT,
		memoryMb: s.NEURO_MEMORY_MB,
		largeMb: s.NEURO_LARGE_MB,
		adminToken: s.NEURO_ADMIN_TOKEN,
		pop: s.NEURO_POP,
	};
}

function routesOf(origin: string | undefined, document: string | undefined): HostsConfig {
	if (document === undefined) {
		if (origin === undefined)
			throw new SettingsError(
				"NEURO_ORIGIN: is required (the origin's absolute http(s) URL), unless NEURO_ROUTES routes hosts",
			);
		return { hosts: {}, default: origin };
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(document);
	} catch (error) {
		throw new SettingsError(`NEURO_ROUTES: not JSON (${(error as Error).message})`);
	}
	let routes: HostsConfig;
	try {
		routes = validateHostsConfig(parsed, "NEURO_ROUTES");
	} catch (error) {
		if (error instanceof HostsConfigError) throw new SettingsError(error.message);
		throw error;
	}
	if (origin === undefined) return routes;
	if (routes.default !== undefined)
		throw new SettingsError(
			"NEURO_ROUTES: default: given twice, here and as NEURO_ORIGIN; keep one",
		);
	return { ...routes, default: origin };
}
