import * as v from "valibot";

/**
 * Ignored query parameter names: exact ("fbclid") or a prefix ending in "*" ("utm_*").
 * A lone "*" would drop every parameter and merge distinct resources, so it is refused.
 */
export const IgnoredParamSchema = v.pipe(
	v.string(),
	v.regex(/^[^*&=]+\*?$/, 'must be a parameter name, or a prefix ending in "*" (like "utm_*")'),
);

const CacheKeyConfigSchema = v.strictObject({
	/** Sort query parameters by name (stable: repeated names keep their order). */
	sortQuery: v.optional(v.boolean(), true),
	ignoredQueryParams: v.optional(v.array(IgnoredParamSchema), []),
	/** Off by default: RFC 3986 §6.2.2.1 paths are case-sensitive; turn on for origins that are not. */
	caseInsensitivePath: v.optional(v.boolean(), false),
	/** URLs longer than this are refused before any parsing work. */
	maxUrlLength: v.optional(
		v.pipe(v.number(), v.integer(), v.minValue(32), v.maxValue(1_048_576)),
		8192,
	),
});

export type CacheKeyConfig = v.InferOutput<typeof CacheKeyConfigSchema>;
export type CacheKeyConfigInput = v.InferInput<typeof CacheKeyConfigSchema>;

export type CacheKeyConfigResult =
	| { ok: true; config: CacheKeyConfig }
	| { ok: false; error: string };

/** Validates a cache key config; the error names the offending field, e.g. "maxUrlLength". */
export function parseCacheKeyConfig(input: unknown): CacheKeyConfigResult {
	const result = v.safeParse(CacheKeyConfigSchema, input);
	if (result.success) return { ok: true, config: result.output };
	const issue = result.issues[0];
	const field = v.getDotPath(issue) ?? "(config)";
	return { ok: false, error: `invalid cache key config: ${field}: ${issue.message}` };
}

export const DEFAULT_CACHE_KEY_CONFIG: Readonly<CacheKeyConfig> = {
	sortQuery: true,
	ignoredQueryParams: [],
	caseInsensitivePath: false,
	maxUrlLength: 8192,
};
