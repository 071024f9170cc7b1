/**
 * Increments per second through the HTTP API of one node, with wrk (2 threads, 64
 * connections, keep-alive, POST with an empty body), against a bare Bun.serve answering a
 * tiny JSON (baseline-server.ts) in the same run. Runs alternate ABBA over `rounds`, each
 * after a 1 s warm-up of its own. After each of our runs the counter's growth on that node
 * is compared with the 2xx answers wrk counted: wrk stops at its deadline with up to one
 * request per connection in flight, which the node may have applied without wrk counting
 * the answer, so the growth may exceed the 2xx count by at most the connection count.
 */
import * as v from "valibot";
import { CounterAnswer, counterPath } from "../../cluster/kv/crdt-api.ts";
import { spawn } from "./processes.ts";

const LUA = new URL("./incr.lua", import.meta.url).pathname;
const BASELINE = new URL("./baseline-server.ts", import.meta.url).pathname;
export const WRK_THREADS = 2;
export const WRK_CONNECTIONS = 64;
const COUNTER = "bench";

interface WrkResult {
	readonly requests: number;
	readonly durationUs: number;
	readonly non2xx: number;
	readonly connect: number;
	readonly read: number;
	readonly write: number;
	readonly timeout: number;
	readonly p50Us: number;
	readonly p99Us: number;
}

export interface HttpFigures {
	/** 2xx answers per second over all rounds; p50/p99 the worst round's. */
	readonly perSecond: number;
	readonly p50Ms: number;
	readonly p99Ms: number;
	readonly errors: number;
}

export interface CounterCheck {
	readonly ok2xx: number;
	readonly growth: number;
}

async function wrk(url: string, seconds: number): Promise<WrkResult> {
	const proc = spawn(
		[
			"wrk",
			`-t${WRK_THREADS}`,
			`-c${WRK_CONNECTIONS}`,
			`-d${seconds}s`,
			"--timeout",
			"5s",
			"-s",
			LUA,
			url,
		],
		{ stdin: "ignore", stdout: "pipe", stderr: "pipe" },
	);
	const [out, err, code] = await Promise.all([
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text(),
		proc.exited,
	]);
	const line = out.split("\n").find((l) => l.startsWith("WRK_JSON "));
	if (code !== 0 || line === undefined) throw new Error(`wrk failed (${code}): ${err}${out}`);
	return JSON.parse(line.slice("WRK_JSON ".length)) as WrkResult;
}

async function startBaseline(): Promise<{ url: string; stop: () => Promise<void> }> {
	const proc = spawn([process.execPath, BASELINE], {
		stdin: "ignore",
		stdout: "pipe",
		stderr: "inherit",
	});
	const reader = proc.stdout.getReader();
	const first = await reader.read();
	const port = Number(new TextDecoder().decode(first.value ?? new Uint8Array()).trim());
	reader.releaseLock();
	if (!Number.isInteger(port) || port <= 0) throw new Error("baseline server did not start");
	return {
		url: `http://127.0.0.1:${port}/v1/counters/${COUNTER}/incr`,
		stop: async () => {
			proc.kill("SIGTERM");
			await proc.exited;
		},
	};
}

async function counterValue(api: string): Promise<number> {
	const response = await fetch(`${api}${counterPath(COUNTER)}`);
	return v.parse(CounterAnswer, await response.json()).value;
}

function merge(runs: readonly WrkResult[]): HttpFigures {
	const ok = runs.reduce((s, r) => s + r.requests - r.non2xx, 0);
	const us = runs.reduce((s, r) => s + r.durationUs, 0);
	return {
		perSecond: ok / (us / 1e6),
		p50Ms: Math.max(...runs.map((r) => r.p50Us)) / 1000,
		p99Ms: Math.max(...runs.map((r) => r.p99Us)) / 1000,
		errors: runs.reduce((s, r) => s + r.non2xx + r.connect + r.read + r.write + r.timeout, 0),
	};
}

export async function measureHttpIncr(
	api: string,
	seconds: number,
	rounds: number,
	log: (line: string) => void,
): Promise<{ ours: HttpFigures; baseline: HttpFigures; checks: CounterCheck[] }> {
	const baseline = await startBaseline();
	const ourUrl = `${api}${counterPath(COUNTER, "incr")}`;
	const runs = { ours: [] as WrkResult[], baseline: [] as WrkResult[] };
	const checks: CounterCheck[] = [];
	try {
		let turn = 0;
		for (let round = 1; round <= rounds; round++) {
			const order =
				turn++ % 2 === 0 ? (["baseline", "ours"] as const) : (["ours", "baseline"] as const);
			for (const system of order) {
				const url = system === "ours" ? ourUrl : baseline.url;
				await wrk(url, 1);
				await Bun.sleep(300);
				const before = system === "ours" ? await counterValue(api) : 0;
				log(
					`  round ${round}/${rounds}: ${system}: wrk -t${WRK_THREADS} -c${WRK_CONNECTIONS} -d${seconds}s`,
				);
				const result = await wrk(url, seconds);
				runs[system].push(result);
				const ok = result.requests - result.non2xx;
				let extra = "";
				if (system === "ours") {
					await Bun.sleep(300);
					const growth = (await counterValue(api)) - before;
					checks.push({ ok2xx: ok, growth });
					extra = `, counter grew ${growth}`;
				}
				log(
					`    ${((ok * 1e6) / result.durationUs).toFixed(0)} 2xx/s, p99 ${(result.p99Us / 1000).toFixed(2)} ms${extra}`,
				);
			}
		}
	} finally {
		await baseline.stop();
	}
	return { ours: merge(runs.ours), baseline: merge(runs.baseline), checks };
}
