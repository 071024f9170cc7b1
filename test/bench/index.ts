/**
 * `npm run bench`: every benchmark of the foundation, each against a baseline measured in
 * the same run, ending with a summary of figures beside their targets; then the CRDT
 * store's increments (crdt-incr.ts) in a process of its own, with its own summary.
 */
import { benchL0VsMap, type GetSetFigures } from "./l0-vs-map.ts";
import { benchPurges } from "./purge-costs.ts";
import { formatBytes, formatOps, progress, verdict } from "./report.ts";
import { benchSlabPairs } from "./slab-pairs.ts";

const MEMORY_OBJECTS = Number(process.env.BENCH_OBJECTS ?? 1_000_000);

interface MemoryFigures {
	readonly heapBytes: number;
	readonly gcHeapBytes: number;
	readonly externalBytes: number;
	readonly rssBytes: number;
}

interface LatencyFigures {
	readonly p50Ns: number;
	readonly p99Ns: number;
	readonly p999Ns: number;
	readonly maxNs: number;
}

/** Runs test/bench/probe.ts in a fresh process and returns its JSON line. */
async function probe<T>(mode: string, contender: string, count: number): Promise<T> {
	progress(`probe ${mode} ${contender} x${count} (own process)`);
	const child = Bun.spawn(
		[process.execPath, `${import.meta.dir}/probe.ts`, mode, contender, String(count)],
		{
			stdout: "pipe",
			stderr: "inherit",
		},
	);
	const text = await new Response(child.stdout).text();
	if ((await child.exited) !== 0) throw new Error(`probe ${mode} ${contender} failed`);
	return JSON.parse(text.trim().split("\n").pop() as string) as T;
}

async function main(): Promise<void> {
	await benchSlabPairs();

	const getSet: GetSetFigures[] = [];
	for (const keys of [10_000, 100_000]) getSet.push(await benchL0VsMap(keys));

	const l0Memory = await probe<MemoryFigures>("memory", "l0", MEMORY_OBJECTS);
	const mapMemory = await probe<MemoryFigures>("memory", "map", MEMORY_OBJECTS);
	console.log(`\n## Memory for ${MEMORY_OBJECTS} cached 1 KiB objects`);
	console.table({
		L0: {
			"JS heap (heapSize)": formatBytes(l0Memory.heapBytes),
			"of which external arena": formatBytes(l0Memory.externalBytes),
			"GC-managed heap": formatBytes(l0Memory.gcHeapBytes),
			RSS: formatBytes(l0Memory.rssBytes),
			"RSS/object": `${(l0Memory.rssBytes / MEMORY_OBJECTS).toFixed(0)} B`,
		},
		Map: {
			"JS heap (heapSize)": formatBytes(mapMemory.heapBytes),
			"of which external arena": formatBytes(mapMemory.externalBytes),
			"GC-managed heap": formatBytes(mapMemory.gcHeapBytes),
			RSS: formatBytes(mapMemory.rssBytes),
			"RSS/object": `${(mapMemory.rssBytes / MEMORY_OBJECTS).toFixed(0)} B`,
		},
	});

	const l0Latency = await probe<LatencyFigures>("latency", "l0", 100_000);
	const mapLatency = await probe<LatencyFigures>("latency", "map", 100_000);
	console.log(
		"\n## get latency while sets churn (100,000 keys, 4 sets of fresh 1 KiB values per get)",
	);
	const row = (f: LatencyFigures) => ({
		p50: `${f.p50Ns} ns`,
		p99: `${f.p99Ns} ns`,
		"p99.9": `${f.p999Ns} ns`,
		max: `${f.maxNs} ns`,
	});
	console.table({ L0: row(l0Latency), Map: row(mapLatency) });

	const purge = await benchPurges(MEMORY_OBJECTS);
	console.log(`\n## Purge on a memory tier of ${purge.objects} URLs (one in ten with 3 variants)`);
	console.table({
		"URL purge (key + its variants, family index)": { "ms each": purge.urlPurgeMs.toFixed(3) },
		"one pass over every key (baseline)": { "ms each": purge.onePassMs.toFixed(3) },
		"path-prefix purge, longest slice of its sweep": { "ms each": purge.longestSliceMs.toFixed(3) },
		"path-prefix purge, median slice of its sweep": { "ms each": purge.medianSliceMs.toFixed(3) },
		"path-prefix purge, call to sweep's end": { "ms each": purge.sweepMs.toFixed(3) },
	});

	console.log("\n## Summary (ratios are L0 / Map unless stated)");
	for (const f of getSet) {
		verdict(
			`L0 get ops/s vs Map, ${f.keys} keys (${formatOps(f.l0Get)} vs ${formatOps(f.mapGet)})`,
			f.getRatio,
			">= 0.8x",
			f.getRatio >= 0.8,
		);
		console.log(
			`       L0 set ops/s vs Map, ${f.keys} keys: ${f.setRatio.toFixed(2)}x (no target)`,
		);
	}
	const heapAdvantage = mapMemory.heapBytes / l0Memory.heapBytes;
	verdict(
		"JS heap (heapSize as JSC reports it), Map / L0",
		heapAdvantage,
		">= 10x",
		heapAdvantage >= 10,
	);
	const gcHeapAdvantage = mapMemory.gcHeapBytes / l0Memory.gcHeapBytes;
	verdict(
		"GC-managed heap (heapSize less the external arena), Map / L0",
		gcHeapAdvantage,
		">= 10x",
		gcHeapAdvantage >= 10,
	);
	const rssRatio = l0Memory.rssBytes / mapMemory.rssBytes;
	verdict("RSS per object, L0 / Map", rssRatio, "<= 1.0x", rssRatio <= 1);
	console.log(
		`       get p99 under set churn: L0 ${l0Latency.p99Ns} ns vs Map ${mapLatency.p99Ns} ns (${(l0Latency.p99Ns / mapLatency.p99Ns).toFixed(2)}x; reported, no target)`,
	);
	console.log(
		`       URL purge at ${purge.objects} URLs: ${purge.urlPurgeMs.toFixed(3)} ms vs ${purge.onePassMs.toFixed(1)} ms for one pass over every key (${(purge.onePassMs / purge.urlPurgeMs).toFixed(0)}x faster; reported, no target)`,
	);
	console.log(
		`       path-prefix purge at ${purge.objects} URLs: thread held at most ${purge.longestSliceMs.toFixed(2)} ms at once vs ${purge.onePassMs.toFixed(1)} ms in one pass (${(purge.onePassMs / purge.longestSliceMs).toFixed(0)}x shorter; the sweep ends ${purge.sweepMs.toFixed(0)} ms after the call; reported, no target)`,
	);
}

/** Runs another benchmark file in a fresh process, its output shown as it comes. */
async function runOwnProcess(file: string): Promise<void> {
	progress(`${file} (own process)`);
	const child = Bun.spawn([process.execPath, `${import.meta.dir}/${file}`], {
		stdout: "inherit",
		stderr: "inherit",
	});
	if ((await child.exited) !== 0) throw new Error(`${file} failed`);
}

await main();
await runOwnProcess("crdt-incr.ts");
