/**
 * L0 get and set of 1 KiB values against a plain Map<string, Uint8Array> doing the same
 * work in the same run. Both hold the same keys; gets walk the same pseudo-random order.
 */
import { Bench } from "tinybench";
import { MemoryTier } from "../../edge/store/memory.ts";
import { FfiSlab } from "../../native/slab-ffi.ts";
import { formatOps, opsPerSecond, runBench } from "./report.ts";

const VALUE_BYTES = 1024;
const BATCH = 1000;

/** A fixed pseudo-random walk over [0, n): the same for both contenders. */
function walk(n: number, length: number, seed: number): Int32Array {
	const out = new Int32Array(length);
	let x = seed >>> 0 || 1;
	for (let i = 0; i < length; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[i] = (x >>> 0) % n;
	}
	return out;
}

export interface GetSetFigures {
	readonly keys: number;
	readonly getRatio: number;
	readonly setRatio: number;
}

export async function benchL0VsMap(keyCount: number): Promise<GetSetFigures> {
	const keys = Array.from({ length: keyCount }, (_, i) => `/assets/object-${i}.bin`);
	const value = new Uint8Array(VALUE_BYTES).fill(42);
	const slab = new FfiSlab({
		capacityBytes: Math.ceil((keyCount * VALUE_BYTES * 1.25) / 2 ** 20 + 8) * 2 ** 20,
	});
	const tier = new MemoryTier({ slab });
	const map = new Map<string, Uint8Array>();
	for (const key of keys) {
		tier.set(key, value);
		map.set(key, value.slice());
	}
	const order = walk(keyCount, 1 << 16, 7);
	let cursor = 0;
	let sink = 0;

	const bench = new Bench({ time: 1500, warmupTime: 300 });
	bench.add(`Map get (${keyCount} keys)`, () => {
		for (let i = 0; i < BATCH; i++) {
			const v = map.get(keys[order[cursor++ & 0xffff] as number] as string);
			sink += v === undefined ? 0 : (v[0] as number);
		}
	});
	bench.add(`L0 get (${keyCount} keys)`, () => {
		for (let i = 0; i < BATCH; i++) {
			const v = tier.get(keys[order[cursor++ & 0xffff] as number] as string);
			sink += v === undefined ? 0 : (v[0] as number);
		}
	});
	// Sets overwrite existing keys: the Map must allocate a fresh value (it stores references);
	// the tier copies into the slab.
	bench.add(`Map set (${keyCount} keys)`, () => {
		for (let i = 0; i < BATCH; i++) {
			const fresh = new Uint8Array(VALUE_BYTES);
			fresh[0] = i;
			map.set(keys[order[cursor++ & 0xffff] as number] as string, fresh);
		}
	});
	bench.add(`L0 set (${keyCount} keys)`, () => {
		for (let i = 0; i < BATCH; i++) {
			const fresh = new Uint8Array(VALUE_BYTES);
			fresh[0] = i;
			tier.set(keys[order[cursor++ & 0xffff] as number] as string, fresh);
		}
	});
	await runBench(bench, `L0 vs Map, 1 KiB values, ${keyCount} keys`);
	const [mapGet, l0Get, mapSet, l0Set] = [0, 1, 2, 3].map((i) =>
		opsPerSecond(bench.tasks[i], BATCH),
	) as [number, number, number, number];
	console.log(
		`get: L0 ${formatOps(l0Get)} vs Map ${formatOps(mapGet)}; set: L0 ${formatOps(l0Set)} vs Map ${formatOps(mapSet)} (sink ${sink > 0})`,
	);
	slab.close();
	return { keys: keyCount, getRatio: l0Get / mapGet, setRatio: l0Set / mapSet };
}
