/**
 * `npm run bench:wal`: appends of 100-byte entries through the write-ahead log, one writer
 * and 64 concurrent writers (group commit), against a baseline measured in the same run on
 * the same disk: a raw loop that writes the same bytes (one encoded entry record) and
 * fdatasyncs each. Figures on stdout, progress on stderr.
 *
 *   BENCH_WAL_DIR   where the files go (default: the system temp dir; it must be a real
 *                   disk, fsync on tmpfs measures nothing)
 *   BENCH_WAL_MS    time per task in ms (default 3000)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bench, type Task } from "tinybench";
import { encodeRecords } from "../cluster/wal/record.ts";
import { Wal } from "../cluster/wal/wal.ts";

const TIME_MS = Number(process.env.BENCH_WAL_MS ?? 3000);
const WRITERS = 64;
const DATA = new Uint8Array(100).fill(0x61);

function progress(message: string): void {
	console.error(`[bench:wal] ${message}`);
}

function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function latency(task: Task | undefined): { ops: number; p50: number; p99: number } {
	const result = task?.result;
	if (!result || !("latency" in result)) throw new Error(`task ${task?.name} did not complete`);
	return { ops: result.throughput.mean, p50: result.latency.p50, p99: result.latency.p99 };
}

async function main(): Promise<void> {
	const root = mkdtempSync(join(process.env.BENCH_WAL_DIR ?? tmpdir(), "neuro-bench-wal-"));
	progress(`files in ${root}, ${TIME_MS} ms per task`);
	try {
		// Baseline: the bytes of one entry record, written and fdatasynced, in a loop.
		const record = encodeRecords([{ type: "entry", entry: { index: 1, term: 1, data: DATA } }]);
		const raw = await open(join(root, "raw.bin"), "w");
		let rawPosition = 0;

		const { wal } = await Wal.open(join(root, "wal"), { log: () => {} });
		let next = 1;
		const save = () => {
			const index = next++;
			return wal.save(undefined, [{ index, term: 1, data: DATA }]);
		};

		const concurrentLatencies: number[] = [];
		let concurrentSaves = 0;
		let flushesAtStart = 0;

		const bench = new Bench({ time: TIME_MS, warmupTime: 300 });
		bench.add("raw write + fdatasync (baseline)", async () => {
			await raw.write(record, 0, record.byteLength, rawPosition);
			await raw.datasync();
			rawPosition += record.byteLength;
		});
		bench.add("wal.save, 1 writer", save);
		bench.add(
			`wal.save, ${WRITERS} concurrent writers (one round)`,
			async () => {
				const started = performance.now();
				await Promise.all(
					Array.from({ length: WRITERS }, () =>
						save().then(() => concurrentLatencies.push(performance.now() - started)),
					),
				);
				concurrentSaves += WRITERS;
			},
			{
				beforeAll: () => {
					concurrentLatencies.length = 0;
					concurrentSaves = 0;
					flushesAtStart = wal.flushCount;
				},
			},
		);
		for (const task of bench.tasks) {
			task.addEventListener("complete", () => progress(`done: ${task.name}`));
		}
		await bench.run();
		const flushes = wal.flushCount - flushesAtStart;

		// Steady state: 64 writers, each saving again as soon as its last save is durable,
		// so saves keep arriving during every fsync (tinybench times one task at a time,
		// not overlapping loops, so this one is timed by hand).
		progress(`${WRITERS} writers in a closed loop for ${TIME_MS} ms`);
		const loopLatencies: number[] = [];
		const loopFlushesAtStart = wal.flushCount;
		const loopStarted = performance.now();
		const deadline = loopStarted + TIME_MS;
		await Promise.all(
			Array.from({ length: WRITERS }, async () => {
				while (performance.now() < deadline) {
					const started = performance.now();
					await save();
					loopLatencies.push(performance.now() - started);
				}
			}),
		);
		const loopSeconds = (performance.now() - loopStarted) / 1000;
		const loopFlushes = wal.flushCount - loopFlushesAtStart;
		await wal.close();
		await raw.close();

		const baseline = latency(bench.tasks[0]);
		const single = latency(bench.tasks[1]);
		const round = latency(bench.tasks[2]);
		const sorted = concurrentLatencies.sort((a, b) => a - b);
		const many = {
			ops: round.ops * WRITERS,
			p50: percentile(sorted, 50),
			p99: percentile(sorted, 99),
		};
		const loopSorted = loopLatencies.sort((a, b) => a - b);
		const loop = {
			ops: loopLatencies.length / loopSeconds,
			p50: percentile(loopSorted, 50),
			p99: percentile(loopSorted, 99),
		};
		const row = (figures: { ops: number; p50: number; p99: number }, note: string) => ({
			"appends/s": Math.round(figures.ops),
			"p50 ms": figures.p50.toFixed(3),
			"p99 ms": figures.p99.toFixed(3),
			"vs baseline": `${(figures.ops / baseline.ops).toFixed(2)}x`,
			note,
		});
		console.log(
			`\n## WAL appends, ${DATA.byteLength}-byte entries (${record.byteLength} bytes on disk each)`,
		);
		console.table({
			"raw write+fdatasync": row(baseline, "latency = one write + fdatasync"),
			"wal, 1 writer": row(single, "latency = save() until durable (all rows below too)"),
			[`wal, ${WRITERS} writers`]: row(
				many,
				`rounds of ${WRITERS} saves; ${(concurrentSaves / Math.max(1, flushes)).toFixed(1)} saves per fsync`,
			),
			[`wal, ${WRITERS} writers, closed loop`]: row(
				loop,
				`steady state; ${(loopLatencies.length / Math.max(1, loopFlushes)).toFixed(1)} saves per fsync`,
			),
		});
		console.log(
			`\nwal 1 writer / baseline: ${(single.ops / baseline.ops).toFixed(2)}x; ` +
				`wal ${WRITERS} writers / baseline: ${(many.ops / baseline.ops).toFixed(2)}x in rounds, ` +
				`${(loop.ops / baseline.ops).toFixed(2)}x in a closed loop`,
		);
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
}

await main();
