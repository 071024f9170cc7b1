import * as v from "valibot";
import { type ParsedFlags, parseFlagsOnce } from "../../cluster/cli/parse-flags.ts";

export interface TraceCliOptions {
	/** A trace file, or with `all` a directory of traces. */
	readonly path: string;
	readonly fractions: readonly number[];
	readonly bytes: boolean;
	readonly all: boolean;
	/** Also replay every candidate policy, not only ours. */
	readonly candidates: boolean;
	readonly reference: string | undefined;
}

export class CliUsageError extends Error {
	override name = "CliUsageError";
}

export const USAGE =
	"usage: npm run trace -- FILE [--size 10%|1%,10%,30%] [--bytes] [--candidates] [--reference TSV]\n" +
	"       npm run trace -- DIR --all [--candidates] [--reference TSV]";

/**
 * "12.3" (percent) as "0.123": the decimal point moved in the text, since 12.3 / 100 rounds
 * twice and can land one ulp off the fraction libCacheSim parses, flooring a cache one short.
 */
function percentAsDecimal(percent: string): string {
	const [whole = "", fraction = ""] = percent.split(".");
	const digits = whole.padStart(3, "0");
	return `${digits.slice(0, -2)}.${digits.slice(-2)}${fraction}`;
}

/** "10%" or "0.1": a share of the working set in (0, 1]. */
const FractionSchema = v.pipe(
	v.string(),
	v.trim(),
	v.regex(/^(\d+(\.\d+)?%|0?\.\d+|1(\.0+)?)$/, "size must look like 10% or 0.1"),
	v.transform((text) => Number(text.endsWith("%") ? percentAsDecimal(text.slice(0, -1)) : text)),
	v.number(),
	v.minValue(Number.MIN_VALUE, "size must be above 0%"),
	v.maxValue(1, "size must be at most 100%"),
);

const FlagsSchema = v.object({
	size: v.optional(v.pipe(v.string(), v.minLength(1, "--size needs a value")), "10%"),
	bytes: v.optional(v.boolean(), false),
	all: v.optional(v.boolean(), false),
	candidates: v.optional(v.boolean(), false),
	reference: v.optional(v.pipe(v.string(), v.minLength(1, "--reference needs a path"))),
});

function message(issues: readonly v.BaseIssue<unknown>[]): string {
	return issues.map((issue) => issue.message).join("; ");
}

/** Parses argv (after the script name); throws CliUsageError with a readable reason. */
export function parseCliOptions(argv: readonly string[]): TraceCliOptions {
	let parsed: ParsedFlags;
	try {
		parsed = parseFlagsOnce(argv, {
			allowPositionals: true,
			options: {
				size: { type: "string" },
				bytes: { type: "boolean" },
				all: { type: "boolean" },
				candidates: { type: "boolean" },
				reference: { type: "string" },
			},
		});
	} catch (error) {
		throw new CliUsageError(error instanceof Error ? error.message : String(error));
	}
	if (parsed.positionals.length !== 1) {
		throw new CliUsageError(
			`expected one trace file or directory, got ${parsed.positionals.length}`,
		);
	}
	const flags = v.safeParse(FlagsSchema, parsed.values);
	if (!flags.success) throw new CliUsageError(message(flags.issues));
	const fractions: number[] = [];
	for (const part of flags.output.size.split(",")) {
		const fraction = v.safeParse(FractionSchema, part);
		if (!fraction.success) throw new CliUsageError(`--size ${part}: ${message(fraction.issues)}`);
		fractions.push(fraction.output);
	}
	return {
		path: parsed.positionals[0] as string,
		fractions: flags.output.all ? [0.01, 0.1, 0.3] : fractions,
		bytes: flags.output.bytes,
		all: flags.output.all,
		candidates: flags.output.candidates,
		reference: flags.output.reference,
	};
}
