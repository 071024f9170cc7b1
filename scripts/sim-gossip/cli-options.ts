/**
 * Flags of scripts/sim-gossip.ts, validated with valibot: `--seeds N`, `--seed S`,
 * `--nodes 5|20` and `--drop P` (force a cluster size or loss for every seed), `--trace`.
 */
import * as v from "valibot";

export const USAGE =
	"usage: bun run scripts/sim-gossip.ts [--seeds N] [--seed S] [--nodes N] [--drop P] [--trace]";

export class CliUsageError extends Error {}

const OptionsSchema = v.strictObject({
	seeds: v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(1_000_000)),
	seed: v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(0xffff_ffff)),
	nodes: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(2), v.maxValue(200))),
	drop: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(0.5))),
	trace: v.boolean(),
});

export type SimGossipOptions = v.InferOutput<typeof OptionsSchema>;

export function parseSimGossipOptions(argv: readonly string[]): SimGossipOptions {
	const raw: Record<string, unknown> = { seeds: 100, seed: 1, trace: false };
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i] as string;
		if (flag === "--trace") {
			raw.trace = true;
			continue;
		}
		const name = /^--(seeds|seed|nodes|drop)$/.exec(flag)?.[1];
		if (name === undefined) throw new CliUsageError(`unknown flag ${flag}`);
		const value = argv[++i];
		if (value === undefined || value.trim() === "" || Number.isNaN(Number(value))) {
			throw new CliUsageError(`${flag} needs a number`);
		}
		raw[name] = Number(value);
	}
	const parsed = v.safeParse(OptionsSchema, raw);
	if (!parsed.success) {
		const issue = parsed.issues[0];
		const key = issue?.path?.map((p) => String(p.key)).join(".") ?? "";
		throw new CliUsageError(`--${key}: ${issue?.message}`);
	}
	return parsed.output;
}

/** The command that replays one seed with its trace, keeping forced options. */
export function replayCommand(seed: number, options: SimGossipOptions): string {
	const forced = [
		options.nodes !== undefined ? ` --nodes ${options.nodes}` : "",
		options.drop !== undefined ? ` --drop ${options.drop}` : "",
	].join("");
	return `bun run scripts/sim-gossip.ts --seeds 1 --seed ${seed}${forced} --trace`;
}
