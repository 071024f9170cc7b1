/** Shared output helpers for the benchmarks: a progress line on stderr, figures on stdout. */
import type { Bench, Task } from "tinybench";

export function progress(message: string): void {
	console.error(`[bench] ${message}`);
}

/** Operations per second of a task whose every iteration performs `batch` operations. */
export function opsPerSecond(task: Task | undefined, batch: number): number {
	const result = task?.result;
	if (result === undefined || !("throughput" in result)) {
		throw new Error(`benchmark task ${task?.name ?? "?"} did not complete`);
	}
	return result.throughput.mean * batch;
}

export function formatOps(ops: number): string {
	if (ops >= 1e6) return `${(ops / 1e6).toFixed(2)} M/s`;
	if (ops >= 1e3) return `${(ops / 1e3).toFixed(1)} k/s`;
	return `${ops.toFixed(0)} /s`;
}

export function formatBytes(bytes: number): string {
	return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Prints one verdict line: the figure, its baseline, the ratio and the target. */
export function verdict(label: string, ratio: number, target: string, met: boolean): void {
	// Near 1 two decimals can round a miss into a tie; show three there.
	const digits = Math.abs(ratio - 1) < 0.05 ? 3 : 2;
	console.log(
		`${met ? "MET   " : "MISSED"} ${label}: ${ratio.toFixed(digits)}x (target ${target})`,
	);
}

export async function runBench(bench: Bench, title: string): Promise<void> {
	progress(`${title}: running ${bench.tasks.length} tasks`);
	for (const task of bench.tasks)
		task.addEventListener("complete", () => progress(`  done: ${task.name}`));
	await bench.run();
	console.log(`\n## ${title}`);
	console.table(bench.table());
}
