/**
 * `bun run test/bench/crdt-incr.ts`: counter increments per second on one CrdtStore,
 * in-process, against the target of 1,000,000/s, beside a plain
 * Map<string, number> doing the same increments in the same run (the baseline).
 *
 * Each iteration increments BATCH times, cycling over KEYS keys (a POP's hits, misses,
 * bytes...), so the figure includes the delta buffer's bookkeeping (one open delta per
 * key). Rounds alternate the contenders; the figures are medians of the rounds.
 *
 * With persistence: the same loop on a PersistentStore in a temporary directory, each
 * batch followed by `await flush()` (one log record and one fsync per BATCH increments).
 * An increment is durable once the flush after it resolved; with the default 10 ms timer
 * instead of an explicit flush, a crash loses at most the last 10 ms of increments.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bench } from "tinybench";
import { PersistentStore } from "../../cluster/crdt/persistence.ts";
import { CrdtStore } from "../../cluster/crdt/store.ts";
import { formatOps, opsPerSecond, progress, verdict } from "./report.ts";

const BATCH = 10_000;
const KEYS = ["hits:pop-ams", "misses:pop-ams", "bytes:pop-ams", "hits:pop-fra"];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TARGET_PER_SECOND = 1_000_000;

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] as number;
}

const store = new CrdtStore({ replica: "n1", clock: () => Date.now() });
const map = new Map<string, number>();

function storeLoop(): void {
	for (let i = 0; i < BATCH; i++) store.incr(KEYS[i & 3] as string);
	// What gossip does between bursts: seal the open segment (nobody acks, so it is dropped).
	store.buffer.seal();
}

const dir = await mkdtemp(join(tmpdir(), "crdt-bench-"));
const persistent = await PersistentStore.open({ dir, node: 1, flushEveryMs: 0 });

async function persistentLoop(): Promise<void> {
	for (let i = 0; i < BATCH; i++) persistent.store.incr(KEYS[i & 3] as string);
	await persistent.flush();
}

function mapLoop(): void {
	for (let i = 0; i < BATCH; i++) {
		const key = KEYS[i & 3] as string;
		map.set(key, (map.get(key) ?? 0) + 1);
	}
}

const storeRates: number[] = [];
const mapRates: number[] = [];
const persistentRates: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
	progress(`round ${round + 1}/${ROUNDS}`);
	const bench = new Bench({ time: 300, warmupTime: 50 });
	if (round % 2 === 0) bench.add("store", storeLoop).add("map", mapLoop);
	else bench.add("map", mapLoop).add("store", storeLoop);
	bench.add("persistent", persistentLoop);
	await bench.run();
	storeRates.push(opsPerSecond(bench.getTask("store"), BATCH));
	mapRates.push(opsPerSecond(bench.getTask("map"), BATCH));
	persistentRates.push(opsPerSecond(bench.getTask("persistent"), BATCH));
}
await persistent.close();
await rm(dir, { recursive: true, force: true });

const storeRate = median(storeRates);
const mapRate = median(mapRates);
const persistentRate = median(persistentRates);
console.log(`\n## Counter increments, one store in-process (medians of ${ROUNDS} rounds)`);
console.table({
	"CrdtStore.incr": {
		"ops/s": formatOps(storeRate),
		"vs target": `${(storeRate / TARGET_PER_SECOND).toFixed(2)}x`,
	},
	"Map<string, number>": {
		"ops/s": formatOps(mapRate),
		"vs target": `${(mapRate / TARGET_PER_SECOND).toFixed(2)}x`,
	},
	"PersistentStore (flush + fsync per 10k)": {
		"ops/s": formatOps(persistentRate),
		"vs target": `${(persistentRate / TARGET_PER_SECOND).toFixed(2)}x`,
	},
	"store / map": { "ops/s": `${(storeRate / mapRate).toFixed(3)}x`, "vs target": "" },
});
verdict(
	"increments/s vs 1,000,000/s",
	storeRate / TARGET_PER_SECOND,
	">= 1.00x",
	storeRate >= TARGET_PER_SECOND,
);
verdict(
	"persisted increments/s vs 1,000,000/s",
	persistentRate / TARGET_PER_SECOND,
	">= 1.00x",
	persistentRate >= TARGET_PER_SECOND,
);
