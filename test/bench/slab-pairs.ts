/** Slab alloc+free pairs per second, through bun:ffi and in pure TS. */
import { Bench } from "tinybench";
import { FfiSlab } from "../../native/slab.ts";
import type { Slab } from "../../native/slab-api.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { formatOps, opsPerSecond, runBench } from "./report.ts";

const BATCH = 1000;
const SIZES = [100, 1024, 4000, 16_000];

function pairs(slab: Slab): () => void {
	const held = new Float64Array(BATCH);
	return () => {
		// Allocate a batch then free it, so free lists are exercised, not just one slot.
		for (let i = 0; i < BATCH; i++) held[i] = slab.alloc(SIZES[i & 3] as number);
		for (let i = 0; i < BATCH; i++) slab.free(held[i] as number);
	};
}

export async function benchSlabPairs(): Promise<void> {
	const ffi = new FfiSlab({ capacityBytes: 64 * 2 ** 20 });
	const ts = new TsSlab({ capacityBytes: 64 * 2 ** 20 });
	const bench = new Bench({ time: 1000, warmupTime: 200 });
	bench.add("slab alloc+free (bun:ffi, Zig)", pairs(ffi));
	bench.add("slab alloc+free (pure TS)", pairs(ts));
	await runBench(bench, "slab alloc+free pairs");
	const ffiOps = opsPerSecond(bench.tasks[0], BATCH);
	const tsOps = opsPerSecond(bench.tasks[1], BATCH);
	console.log(
		`slab pairs/s: bun:ffi ${formatOps(ffiOps)}, pure TS ${formatOps(tsOps)}, ffi/ts ${(ffiOps / tsOps).toFixed(2)}x`,
	);
	ffi.close();
	ts.close();
}
