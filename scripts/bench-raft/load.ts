/**
 * A closed-loop load: `clients` concurrent loops, each issuing its next operation when the
 * previous one answered, for `durationMs`. Latencies are recorded per operation; any
 * failed operation fails the run (a benchmark must not count errors as speed).
 */
import type { KvClient } from "./kv-client.ts";

export interface LoadFigures {
	readonly operations: number;
	readonly perSecond: number;
	readonly p50Ms: number;
	readonly p99Ms: number;
	readonly elapsedMs: number;
	/** Every operation's latency, sorted ascending (what combine() merges). */
	readonly latenciesMs: readonly number[];
}

export type Operation = "put" | "get";

/** A 100-byte value, as the issue asks, different per write so nothing is deduplicated. */
export function value100(n: number): string {
	return `${n}`.padStart(12, "0").padEnd(100, "v");
}

export async function runLoad(
	client: KvClient,
	operation: Operation,
	clients: number,
	durationMs: number,
	now: () => number = () => performance.now(),
): Promise<LoadFigures> {
	const latencies: number[] = [];
	const started = now();
	const deadline = started + durationMs;
	let sequence = 0;
	const loop = async (id: number) => {
		while (now() < deadline) {
			const n = sequence++;
			const key = `bench/${id}/${n % 1000}`;
			const t0 = now();
			if (operation === "put") await client.put(key, value100(n));
			else await client.get(key);
			latencies.push(now() - t0);
		}
	};
	await Promise.all(Array.from({ length: clients }, (_, id) => loop(id)));
	const elapsed = now() - started;
	return figuresOf(latencies, elapsed);
}

function figuresOf(latencies: number[], elapsedMs: number): LoadFigures {
	latencies.sort((a, b) => a - b);
	const at = (q: number) =>
		latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
	return {
		operations: latencies.length,
		perSecond: (latencies.length / elapsedMs) * 1000,
		p50Ms: at(0.5),
		p99Ms: at(0.99),
		elapsedMs,
		latenciesMs: latencies,
	};
}

/** Several runs of one scenario as one: operations over total time, percentiles over all. */
export function combine(runs: readonly LoadFigures[]): LoadFigures {
	return figuresOf(
		runs.flatMap((r) => r.latenciesMs),
		runs.reduce((sum, r) => sum + r.elapsedMs, 0),
	);
}
