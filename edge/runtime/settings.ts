/**
 * What an edge adapter needs to know, read from its runtime's environment under the same
 * names everywhere (process.env on Node and Bun, Deno.env, a Worker's env bindings), and
 * validated here once with valibot: a bad value is an error naming the variable, never a
 * silent default.
 */
import * as v from "valibot";

const wholeNumber = (min: number, max: number, what: string) =>
	v.pipe(
		v.string(),
		v.regex(/^\d{1,6}$/, `must be a whole number (${what})`),
		v.transform(Number),
		v.number(),
		v.minValue(min, `must be ${min}-${max} (${what})`),
		v.maxValue(max, `must be ${min}-${max} (${what})`),
	);

// The object's own message is the one a missing required variable gets.
const SettingsSchema = v.object(
	{
		NEURO_ORIGIN: v.pipe(
			v.string("must be a string"),
			v.url("must be an absolute http(s) URL"),
			v.regex(/^https?:\/\/[^?#]*$/i, "must be an http(s) URL without query or fragment"),
		),
		NEURO_HOST: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty")), "127.0.0.1"),
		NEURO_PORT: v.optional(wholeNumber(0, 65_535, "a port; 0 picks a free one"), "8080"),
		NEURO_MEMORY_MB: v.optional(wholeNumber(1, 65_536, "MiB of L0 memory"), "64"),
		NEURO_ADMIN_TOKEN: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty"))),
		NEURO_POP: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64)), "local"),
	},
	"is required (the origin's absolute http(s) URL)",
);

export interface EdgeSettings {
	readonly origin: string;
	readonly host: string;
	readonly port: number;
	readonly memoryMb: number;
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
		origin: s.NEURO_ORIGIN,
		host: s.NEURO_HOST,
		port: s.NEURO_PORT,
		memoryMb: s.NEURO_MEMORY_MB,
		adminToken: s.NEURO_ADMIN_TOKEN,
		pop: s.NEURO_POP,
	};
}
