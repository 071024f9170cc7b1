/**
 * A checker for Prometheus text exposition (format 0.0.4), strict enough for our output:
 * every sample belongs to a family declared by one HELP and one TYPE line before it,
 * counters end in _total, summaries and histograms only add their own suffixes, and
 * every value is a number. Returns the problems found (empty: valid).
 */
const SAMPLE =
	/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (\S+)$/;
const TYPES = new Set(["counter", "gauge", "summary", "histogram", "untyped"]);
const SUFFIXES: Record<string, readonly string[]> = {
	summary: ["", "_sum", "_count"],
	histogram: ["_bucket", "_sum", "_count"],
};

export function expositionProblems(text: string): string[] {
	const problems: string[] = [];
	const types = new Map<string, string>();
	const helps = new Set<string>();
	if (!text.endsWith("\n")) problems.push("does not end with a newline");
	for (const line of text.split("\n").filter((l) => l !== "")) {
		const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
		if (comment !== null) {
			const [, kind, name, rest] = comment as unknown as [string, string, string, string];
			if (kind === "HELP") {
				if (helps.has(name)) problems.push(`HELP twice for ${name}`);
				helps.add(name);
				continue;
			}
			if (types.has(name)) problems.push(`TYPE twice for ${name}`);
			if (!TYPES.has(rest)) problems.push(`unknown type ${rest} for ${name}`);
			if (rest === "counter" && !name.endsWith("_total"))
				problems.push(`counter ${name} does not end in _total`);
			types.set(name, rest);
			continue;
		}
		if (line.startsWith("#")) continue;
		const sample = SAMPLE.exec(line);
		if (sample === null) {
			problems.push(`not a sample: ${line}`);
			continue;
		}
		const [, name, , value] = sample as unknown as [string, string, string, string];
		if (!/^(NaN|[+-]Inf|[-+]?\d+(\.\d+)?([eE][-+]?\d+)?)$/.test(value))
			problems.push(`bad value in ${line}`);
		const family = [...types.keys()].find((f) =>
			(SUFFIXES[types.get(f) as string] ?? [""]).some((suffix) => `${f}${suffix}` === name),
		);
		if (family === undefined) problems.push(`sample ${name} before its TYPE`);
		else if (!helps.has(family)) problems.push(`no HELP for ${family}`);
	}
	return problems;
}
