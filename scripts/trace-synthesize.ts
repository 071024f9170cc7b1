/**
 * Writes the synthetic traces (scripts/trace/synthetic.ts) as CSVs into a directory, to
 * replay like any other: `npm run trace -- DIR --all --candidates`.
 *   bun run scripts/trace-synthesize.ts DIR [--requests 1000000] [--seed 1]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SYNTHETIC_SHAPES, syntheticIds, toTraceCsv } from "./trace/synthetic.ts";

const USAGE = "usage: bun run scripts/trace-synthesize.ts DIR [--requests N] [--seed S]";

function main(argv: readonly string[]): number {
	let parsed: ReturnType<typeof parseArgs>;
	try {
		parsed = parseArgs({
			args: [...argv],
			allowPositionals: true,
			strict: true,
			options: { requests: { type: "string" }, seed: { type: "string" } },
		});
	} catch (error) {
		console.error(`trace-synthesize: ${(error as Error).message}\n${USAGE}`);
		return 2;
	}
	const dir = parsed.positionals[0];
	const requests = Number(parsed.values.requests ?? 1_000_000);
	const seed = Number(parsed.values.seed ?? 1);
	if (
		parsed.positionals.length !== 1 ||
		dir === undefined ||
		!Number.isSafeInteger(requests) ||
		requests < 1 ||
		!Number.isSafeInteger(seed)
	) {
		console.error(
			`trace-synthesize: one directory, a whole --requests >= 1, a whole --seed\n${USAGE}`,
		);
		return 2;
	}
	mkdirSync(dir, { recursive: true });
	for (const [index, shape] of SYNTHETIC_SHAPES.entries()) {
		const path = join(dir, `synthetic_${shape}.csv`);
		writeFileSync(path, toTraceCsv(syntheticIds(shape, requests, seed + index)));
		console.error(`wrote ${path} (${requests.toLocaleString("en")} requests)`);
	}
	return 0;
}

process.exitCode = main(process.argv.slice(2));
