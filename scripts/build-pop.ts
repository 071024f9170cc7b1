/**
 * Builds single-file POP binaries: dist/neuro-edge-NAME from pops/NAME.yaml (see
 * scripts/build-pop.sh for usage). Each POP file is validated before anything compiles;
 * bad arguments or a bad POP file exit 2 naming the problem, a failed compile exits 1.
 */
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { type ParsedFlags, parseFlagsOnce } from "../cluster/cli/parse-flags.ts";
import type { BuildInfo } from "../cluster/node/build-info.ts";
import { POP_NAME, PopConfigError } from "../cluster/node/pop-config.ts";
import packageJson from "../package.json" with { type: "json" };
import { BuildError, compilePop } from "./build-pop/compile.ts";
import { gitCommit } from "./build-pop/git-commit.ts";
import { listPops, loadPopFile } from "./build-pop/pop-file.ts";

const ROOT = resolve(import.meta.dir, "..");
const USAGE =
	"usage: scripts/build-pop.sh POP | --all   [--pops-dir pops] [--out-dir dist]\n" +
	"  builds OUT/neuro-edge-POP from POPS/POP.yaml";

class UsageError extends Error {}

function parseCli(argv: string[]) {
	let parsed: ParsedFlags;
	try {
		parsed = parseFlagsOnce(argv, {
			options: {
				all: { type: "boolean" },
				"pops-dir": { type: "string" },
				"out-dir": { type: "string" },
			},
			allowPositionals: true,
		});
	} catch (error) {
		throw new UsageError((error as Error).message);
	}
	const { values, positionals } = parsed;
	if (values.all === true && positionals.length > 0)
		throw new UsageError("give a POP or --all, not both");
	if (values.all !== true && positionals.length !== 1)
		throw new UsageError("give one POP name, or --all");
	const pop = positionals[0];
	// A name, not a path: `../x` must not reach outside the POPs directory.
	if (pop !== undefined && !POP_NAME.test(pop)) {
		throw new UsageError(`${JSON.stringify(pop)} is not a POP name (a-z, 0-9, '-')`);
	}
	return {
		all: values.all === true,
		pop,
		popsDir: resolve(stringFlag(values["pops-dir"]) ?? join(ROOT, "pops")),
		outDir: resolve(stringFlag(values["out-dir"]) ?? join(ROOT, "dist")),
	};
}

/** A string flag's value (parseArgs gives string flags strings; undefined when absent). */
function stringFlag(value: string | boolean | undefined): string | undefined {
	return typeof value === "string" ? value : undefined;
}

async function main(): Promise<number> {
	const options = parseCli(Bun.argv.slice(2));
	const names = options.all ? listPops(options.popsDir) : [options.pop ?? ""];
	if (names.length === 0) throw new PopConfigError(`${options.popsDir}: no POP files (*.yaml)`);
	// Every POP file is checked before the first compile: a bad one fails the whole build.
	const pops = names.map((name) => loadPopFile(options.popsDir, name));
	const commit = gitCommit(ROOT);
	const builtAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
	mkdirSync(options.outDir, { recursive: true });
	for (const [index, pop] of pops.entries()) {
		const started = performance.now();
		const build: BuildInfo = { version: packageJson.version, commit, builtAt, pop };
		const outfile = join(options.outDir, `neuro-edge-${pop.name}`);
		// Compile beside the target and rename: a failed build never leaves half a binary.
		const partial = `${outfile}.partial`;
		try {
			const bytes = await compilePop(ROOT, build, partial);
			renameSync(partial, outfile);
			const seconds = ((performance.now() - started) / 1000).toFixed(1);
			const mib = (bytes / 2 ** 20).toFixed(0);
			console.error(
				`[${index + 1}/${pops.length}] ${pop.name} (${pop.region}) -> ${outfile} (${mib} MiB, ${seconds} s)`,
			);
		} finally {
			rmSync(partial, { force: true });
		}
	}
	console.error(
		`built ${pops.length} POP binar${pops.length === 1 ? "y" : "ies"} at commit ${commit}`,
	);
	return 0;
}

try {
	process.exitCode = await main();
} catch (error) {
	if (error instanceof UsageError) {
		console.error(`ERROR ${error.message}\n${USAGE}`);
		process.exitCode = 2;
	} else if (error instanceof PopConfigError) {
		console.error(`ERROR ${error.message}`);
		process.exitCode = 2;
	} else if (error instanceof BuildError) {
		console.error(`ERROR ${error.message}`);
		process.exitCode = 1;
	} else throw error;
}
