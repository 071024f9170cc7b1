/**
 * scripts/rollout.sh: rolls new POP binaries out across the inventory.
 *   scripts/rollout.sh [--inventory pops/inventory.yaml] [--dist dist] [--batch-size N] [--dry-run]
 * Each POP's binary is DIST/neuro-edge-POP; its `--version` line is the build every new
 * process must report. Exit 0: every host updated; 1: a host failed (it was rolled back,
 * later waves did not start); 2: bad flags or inventory, nothing touched.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import * as v from "valibot";
import { parseFlagsOnce } from "../../cluster/cli/parse-flags.ts";
import { InventoryError, parseInventory } from "./inventory.ts";
import { LocalDriver } from "./local-driver.ts";
import { describePlan, planWaves } from "./plan.ts";
import { runWaves, summarize } from "./run.ts";
import { SshDriver } from "./ssh-driver.ts";

const USAGE =
	"usage: scripts/rollout.sh [--inventory pops/inventory.yaml] [--dist dist] [--batch-size N] [--dry-run]";

class UsageError extends Error {}

const FlagsSchema = v.object({
	inventory: v.optional(v.pipe(v.string(), v.minLength(1)), "pops/inventory.yaml"),
	dist: v.optional(v.pipe(v.string(), v.minLength(1)), "dist"),
	"batch-size": v.optional(
		v.pipe(
			v.string(),
			v.regex(/^\d+$/, "--batch-size must be a whole number"),
			v.transform(Number),
			v.number(),
			v.minValue(1, "--batch-size must be at least 1"),
		),
	),
	"dry-run": v.optional(v.boolean(), false),
});

function log(line: string): void {
	console.error(`[rollout] ${line}`);
}

async function buildOf(binary: string): Promise<string> {
	const child = Bun.spawn([binary, "--version"], { stdout: "pipe", stderr: "pipe" });
	const out = await new Response(child.stdout).text();
	if ((await child.exited) !== 0) throw new UsageError(`${binary} --version failed`);
	const line = out.split("\n")[0]?.trim() ?? "";
	if (line === "") throw new UsageError(`${binary} --version printed nothing`);
	return line;
}

async function main(argv: string[]): Promise<number> {
	let values: Record<string, unknown>;
	try {
		({ values } = parseFlagsOnce(argv, {
			options: {
				inventory: { type: "string" },
				dist: { type: "string" },
				"batch-size": { type: "string" },
				"dry-run": { type: "boolean" },
			},
			allowPositionals: false,
		}));
	} catch (error) {
		throw new UsageError((error as Error).message);
	}
	const parsed = v.safeParse(FlagsSchema, values);
	if (!parsed.success) throw new UsageError(parsed.issues[0].message);
	const flags = parsed.output;
	const file = Bun.file(flags.inventory);
	if (!(await file.exists())) throw new UsageError(`no inventory at ${flags.inventory}`);
	const inventory = parseInventory(await file.text(), flags.inventory);
	const waves = planWaves(inventory, flags["batch-size"] ?? inventory.batchSize);
	const plannedHosts = waves.flatMap((w) => w.pops.flatMap((p) => p.hosts)).length;
	const binaryFor = (pop: string) => resolve(flags.dist, `neuro-edge-${pop}`);
	console.log(describePlan(waves));
	for (const pop of Object.keys(inventory.pops)) {
		if (!existsSync(binaryFor(pop)))
			throw new UsageError(`no binary for ${pop}: ${binaryFor(pop)}`);
	}
	if (flags["dry-run"]) return 0;
	const builds = new Map<string, string>();
	for (const pop of Object.keys(inventory.pops)) builds.set(pop, await buildOf(binaryFor(pop)));
	const results = await runWaves(waves, {
		driverFor: (pop, host) =>
			host.via === "local"
				? new LocalDriver({ dir: host.dir, port: host.port, args: host.args }, binaryFor(pop))
				: new SshDriver(
						{ address: host.address, dir: host.dir, port: host.port, args: host.args },
						binaryFor(pop),
					),
		buildFor: (pop) => builds.get(pop) as string,
		healthTimeoutMs: inventory.healthTimeoutMs,
		log,
	});
	console.log(summarize(results, plannedHosts));
	return results.length === plannedHosts && results.every((r) => r.outcome.ok) ? 0 : 1;
}

try {
	process.exitCode = await main(process.argv.slice(2));
} catch (error) {
	if (error instanceof UsageError || error instanceof InventoryError) {
		console.error(`rollout: ${error.message}\n${USAGE}`);
		process.exitCode = 2;
	} else {
		throw error;
	}
}
