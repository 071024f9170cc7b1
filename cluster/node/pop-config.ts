/**
 * A POP's own config, `pops/NAME.yaml`: validated with valibot when the POP's binary is
 * built (scripts/build-pop.ts), baked into it, and checked again at start (cheap, and the
 * binary then trusts a typed value, not a cast). Flags and env override it at start. The
 * same document replicated through the control plane (cluster/pop-config/) replaces its
 * routing while the node runs, unless flags or env pinned it (cluster/node/pop-routing.ts).
 *
 *   name: fra1                 # the binary is dist/neuro-edge-fra1; must match the file name
 *   region: eu-central
 *   listen: { host: 127.0.0.1, port: 8101 }
 *   origin: http://127.0.0.1:9101   # one origin for every host, or:
 *   # routes: { hosts: { www.example.com: { origin: ... } }, default: ... }  (hosts-file shape)
 *   tiers: { memoryMb: 256, largeMb: 256 }   # largeMb optional (0: objects over 1 MiB uncached)
 * With neither origin nor routes, the node serves the built-in demo origin.
 */
import * as v from "valibot";
import { HostsFileSchema, strictKeyMessage } from "../../edge/config/hosts.ts";
import { isUsefulLargeMb, LARGE_MB_MESSAGE } from "../../edge/store/large-budget.ts";

export const POP_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

const PopConfigSchema = v.pipe(
	v.strictObject(
		{
			name: v.pipe(
				v.string("must be a string"),
				v.regex(POP_NAME, "must be 2-32 characters of a-z, 0-9 and '-', starting with a letter"),
			),
			region: v.pipe(
				v.string("must be a string"),
				v.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be lowercase letters, digits and '-'"),
			),
			listen: v.strictObject(
				{
					host: v.pipe(v.string("must be a string"), v.minLength(1, "must not be empty")),
					port: v.pipe(
						v.number("must be a number"),
						v.integer("must be a whole number"),
						v.minValue(0, "must be 0-65535"),
						v.maxValue(65_535, "must be 0-65535"),
					),
				},
				strictKeyMessage,
			),
			origin: v.optional(
				v.pipe(
					v.string("must be a URL string"),
					v.url("must be an absolute http(s) URL"),
					v.regex(/^https?:\/\//i, "must be an absolute http(s) URL"),
				),
			),
			routes: v.optional(HostsFileSchema),
			tiers: v.strictObject(
				{
					memoryMb: v.pipe(
						v.number("must be a number"),
						v.integer("must be a whole number of MiB"),
						v.minValue(1, "must be at least 1 MiB"),
						v.maxValue(65_536, "must be at most 65536 MiB"),
					),
					largeMb: v.optional(
						v.pipe(
							v.number("must be a number"),
							v.integer("must be a whole number of MiB"),
							v.minValue(0, "must be 0-65536 MiB (0: off)"),
							v.maxValue(65_536, "must be 0-65536 MiB (0: off)"),
						),
					),
				},
				strictKeyMessage,
			),
		},
		strictKeyMessage,
	),
	v.check((pop) => !(pop.origin && pop.routes), "origin and routes exclude each other: give one"),
);

export type PopConfig = v.InferOutput<typeof PopConfigSchema>;

export class PopConfigError extends Error {
	override name = "PopConfigError";
}

/**
 * Validates an already parsed POP config; `source` names it in errors, with the field. What
 * a replica accepts: the POP config machine applies log entries and restores snapshots with
 * it, so it must never refuse a document an earlier version accepted (replicas of two
 * versions would disagree, and an old snapshot would not load). Rules added later belong in
 * validateNewPopConfig.
 */
export function validatePopConfig(raw: unknown, source: string): PopConfig {
	const result = v.safeParse(PopConfigSchema, raw);
	if (!result.success) {
		const issue = result.issues[0];
		const path = issue.path?.map((p) => String(p.key)).join(".") || "(top level)";
		const got = issue.input === undefined ? "missing" : `got ${JSON.stringify(issue.input)}`;
		throw new PopConfigError(`${source}: ${path}: ${issue.message} (${got})`);
	}
	return result.output;
}

/**
 * validatePopConfig, plus the rules a document must meet to be written or built now: where
 * a document enters (the API's PUT, a POP file built into a binary), not where replicas
 * apply it.
 */
export function validateNewPopConfig(raw: unknown, source: string): PopConfig {
	const config = validatePopConfig(raw, source);
	const largeMb = config.tiers.largeMb;
	if (largeMb !== undefined && !isUsefulLargeMb(largeMb))
		throw new PopConfigError(`${source}: tiers.largeMb: ${LARGE_MB_MESSAGE} (got ${largeMb})`);
	return config;
}
