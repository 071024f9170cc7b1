/**
 * Start-up benchmark: the compiled POP binary against `bun run node.ts` (the same entry),
 * alternating starts so both see the same machine, a warm-up start each first (page cache).
 * Progress on stderr, the summary on stdout; exit 0 target met, 1 missed, 2 setup failed.
 *   bun run scripts/bench-startup/run.ts --binary dist/neuro-edge-sin1 [--starts 20]
 */
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { measureStart, type OneStart } from "./measure.ts";
import { type StartTimes, summarize } from "./summary.ts";

const ROOT = resolve(import.meta.dir, "../..");
// Same flags for both: the demo origin (set aside any baked origin), any free port, the
// same L0 size.
const FLAGS = ["--demo", "--port", "0", "--memory-mb", "256"];

function progress(line: string): void {
	console.error(`[bench-startup] ${line}`);
}

async function main(): Promise<number> {
	const { values } = parseArgs({
		options: { binary: { type: "string" }, starts: { type: "string" } },
		strict: true,
	});
	const starts = Number(values.starts ?? "20");
	if (values.binary === undefined || !Number.isInteger(starts) || starts < 1) {
		console.error("usage: run.ts --binary PATH [--starts N]");
		return 2;
	}
	const binary = resolve(values.binary);
	const contenders = {
		binary: { command: [binary, ...FLAGS], cwd: dirname(binary) },
		bunRun: { command: [process.execPath, "run", "node.ts", ...FLAGS], cwd: ROOT },
	};
	progress("warm-up: one start each (not counted)");
	await measureStart(contenders.binary.command, contenders.binary.cwd);
	await measureStart(contenders.bunRun.command, contenders.bunRun.cwd);

	const times: Record<keyof typeof contenders, OneStart[]> = { binary: [], bunRun: [] };
	for (let round = 1; round <= starts; round++) {
		// Alternate which goes first, so neither always follows the other's exit.
		const order =
			round % 2 === 1 ? (["binary", "bunRun"] as const) : (["bunRun", "binary"] as const);
		for (const name of order) {
			times[name].push(await measureStart(contenders[name].command, contenders[name].cwd));
		}
		const last = (name: keyof typeof contenders) => times[name].at(-1)?.first200Ms.toFixed(1);
		progress(`${round}/${starts}: binary ${last("binary")} ms, bun run ${last("bunRun")} ms`);
	}
	const asTimes = (list: OneStart[]): StartTimes => ({
		listeningMs: list.map((one) => one.listeningMs),
		first200Ms: list.map((one) => one.first200Ms),
	});
	const summary = summarize(asTimes(times.binary), asTimes(times.bunRun));
	for (const line of summary.lines) console.log(line);
	return summary.met ? 0 : 1;
}

try {
	process.exitCode = await main();
} catch (error) {
	console.error(`[bench-startup] ERROR ${(error as Error).message}`);
	process.exitCode = 2;
}
