/**
 * node:util's parseArgs, strict, plus one rule it lacks: a flag given twice is refused.
 * parseArgs keeps the last of `--port 1 --port 2` without a word, so a command line
 * assembled from a unit file and an override would run with whichever came last; naming
 * the repeated flag lets the operator say which one they meant.
 */
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

export type ParsedFlags = {
	/** A string flag's value, or true for a boolean flag given; callers validate the shape. */
	readonly values: Readonly<Record<string, string | boolean | undefined>>;
	readonly positionals: readonly string[];
};

/** Throws an Error whose message names the bad flag; callers wrap it with their usage. */
export function parseFlagsOnce(
	argv: readonly string[],
	config: { readonly options: ParseArgsOptionsConfig; readonly allowPositionals: boolean },
): ParsedFlags {
	const { values, positionals, tokens } = parseArgs({
		options: config.options,
		allowPositionals: config.allowPositionals,
		args: [...argv],
		strict: true,
		tokens: true,
	});
	const seen = new Set<string>();
	for (const token of tokens) {
		if (token.kind !== "option") continue;
		if (seen.has(token.name))
			throw new Error(`${token.rawName} given more than once: give it once`);
		seen.add(token.name);
	}
	// No option is `multiple`, so each value is a string or a boolean.
	return { values: values as ParsedFlags["values"], positionals };
}
