/** Flags of `npm run sim`, validated with valibot. */
import * as v from "valibot";
import { parseFlagsOnce } from "../../cluster/cli/parse-flags.ts";

export interface SimCliOptions {
	/** The first seed. */
	readonly seed: number;
	/** How many consecutive seeds from `seed`. */
	readonly seeds: number;
	/** Print each run's timeline (role changes, crashes, partitions) to stderr. */
	readonly trace: boolean;
	/** Drive nodes as the real member does (ready.ts's relaxations, pipeline.ts). */
	readonly pipelined: boolean;
	/** The KV store's bound on client sessions (its default when absent). */
	readonly maxSessions?: number | undefined;
}

export class CliUsageError extends Error {
	override name = "CliUsageError";
}

export const USAGE =
	"usage: npm run sim -- [--seeds N] [--seed S] [--trace] [--pipelined] [--max-sessions N]\n" +
	"  --seeds N   run N seeded scenarios (default 100; 1 with --seed)\n" +
	"  --seed S    start at seed S (default 1): with --seeds 1, replay that seed\n" +
	"  --trace     print each run's timeline to stderr\n" +
	"  --pipelined drive nodes as the real member does (leader ships before its fsync...)\n" +
	"  --max-sessions N  keep at most N client sessions in the KV store (default 10000;\n" +
	"              below the number of clients, sessions expire and clients start new ones)";

const whole = (name: string, min: number, max: number) =>
	v.pipe(
		v.string(),
		v.regex(/^\d+$/, `${name} must be a whole number`),
		v.transform(Number),
		v.number(),
		v.minValue(min, `${name} must be at least ${min}`),
		v.maxValue(max, `${name} must be at most ${max}`),
	);

const FlagsSchema = v.object({
	seeds: v.optional(whole("--seeds", 1, 10_000_000)),
	seed: v.optional(whole("--seed", 0, 0xffff_ffff)),
	trace: v.optional(v.boolean(), false),
	pipelined: v.optional(v.boolean(), false),
	"max-sessions": v.optional(whole("--max-sessions", 1, 1_000_000)),
});

export function parseSimOptions(argv: readonly string[]): SimCliOptions {
	let values: Record<string, unknown>;
	try {
		({ values } = parseFlagsOnce(argv, {
			options: {
				seeds: { type: "string" },
				seed: { type: "string" },
				trace: { type: "boolean" },
				pipelined: { type: "boolean" },
				"max-sessions": { type: "string" },
			},
			allowPositionals: false,
		}));
	} catch (error) {
		throw new CliUsageError((error as Error).message);
	}
	const parsed = v.safeParse(FlagsSchema, values);
	if (!parsed.success) {
		throw new CliUsageError(parsed.issues.map((issue) => issue.message).join("; "));
	}
	const out = parsed.output;
	const seeds = out.seeds ?? (out.seed !== undefined ? 1 : 100);
	const seed = out.seed ?? 1;
	if (seed + seeds - 1 > 0xffff_ffff) throw new CliUsageError("seeds run past 4294967295");
	const maxSessions = out["max-sessions"];
	return {
		seed,
		seeds,
		trace: out.trace,
		pipelined: out.pipelined,
		...(maxSessions === undefined ? {} : { maxSessions }),
	};
}

/** The command that replays one seed (in the same mode). */
export function replayCommand(seed: number, pipelined = false, maxSessions?: number): string {
	const sessions = maxSessions === undefined ? "" : ` --max-sessions ${maxSessions}`;
	return `npm run sim -- --seed ${seed} --trace${pipelined ? " --pipelined" : ""}${sessions}`;
}
