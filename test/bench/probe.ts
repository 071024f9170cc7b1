/**
 * Runs one contender in a process of its own, so heap and RSS figures, GC pauses and JIT
 * state belong to it alone. Prints one JSON line on stdout.
 *   bun test/bench/probe.ts memory l0|map COUNT
 *   bun test/bench/probe.ts latency l0|map COUNT
 *   bun test/bench/probe.ts ops l0|map COUNT
 */
import { heapStats } from "bun:jsc";
import { Bench } from "tinybench";
import { MemoryTier } from "../../edge/store/memory.ts";
import { FfiSlab } from "../../native/slab.ts";
import { opsPerSecond } from "./report.ts";

const VALUE_BYTES = 1024;
const [mode, contender, countText] = Bun.argv.slice(2);
const count = Number(countText);
if (
	(mode !== "memory" && mode !== "latency" && mode !== "ops") ||
	(contender !== "l0" && contender !== "map") ||
	!(count > 0)
) {
	console.error("usage: probe.ts memory|latency|ops l0|map COUNT");
	process.exit(2);
}

interface Store {
	set(key: string, value: Uint8Array): unknown;
	get(key: string): Uint8Array | undefined;
}

function makeStore(): Store {
	if (contender === "map") return new Map<string, Uint8Array>();
	// The tier itself, not a wrapper: an extra closure per call would tax L0 alone.
	const capacityMiB = Math.ceil((count * VALUE_BYTES) / 2 ** 20) + 8;
	return new MemoryTier({ slab: new FfiSlab({ capacityBytes: capacityMiB * 2 ** 20 }) });
}

const keys = Array.from({ length: count }, (_, i) => `/assets/object-${i}.bin`);
Bun.gc(true);
const heapBefore = heapStats().heapSize;
const rssBefore = process.memoryUsage().rss;
const store = makeStore();
// An empty L0 already "holds" its arena: JSC counts the ArrayBuffer over the mmap'ed arena
// in heapSize, though the GC neither allocated it nor can free it. Measure it apart.
Bun.gc(true);
const heapEmpty = heapStats().heapSize;
for (let i = 0; i < count; i++) {
	// A fresh value per key, as a cache filled from origin responses would get them.
	const value = new Uint8Array(VALUE_BYTES);
	value[0] = i & 0xff;
	store.set(keys[i] as string, value);
	if (i % 100_000 === 0 && i > 0) console.error(`[probe ${contender}] filled ${i}/${count}`);
}

if (mode === "memory") {
	Bun.gc(true);
	const heapAfter = heapStats().heapSize;
	const heapBytes = heapAfter - heapBefore;
	const externalBytes = heapEmpty - heapBefore;
	const gcHeapBytes = heapAfter - heapEmpty;
	const rssBytes = process.memoryUsage().rss - rssBefore;
	// Touch the store after measuring so it cannot be collected before the figures are read.
	const alive = store.get(keys[count - 1] as string)?.[0];
	console.log(
		JSON.stringify({ contender, count, heapBytes, externalBytes, gcHeapBytes, rssBytes, alive }),
	);
} else if (mode === "ops") {
	// The same pseudo-random walk over the keys for both contenders.
	const order = new Int32Array(1 << 16);
	let x = 7;
	for (let i = 0; i < order.length; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		order[i] = (x >>> 0) % count;
	}
	const batch = 1000;
	let cursor = 0;
	let sink = 0;
	const bench = new Bench({ time: 1000, warmupTime: 300 });
	// Locals only inside the loop: a captured counter would add the same overhead to both
	// contenders and flatten the ratio towards 1.
	bench.add("get", () => {
		let c = cursor;
		let s = 0;
		for (let i = 0; i < batch; i++) {
			const v = store.get(keys[order[c++ & 0xffff] as number] as string);
			s += v === undefined ? 0 : (v[0] as number);
		}
		cursor = c;
		sink += s;
	});
	// Sets overwrite existing keys with a fresh value each, as origin responses arrive: the
	// Map keeps the reference, the tier copies the bytes into the slab.
	bench.add("set", () => {
		let c = cursor;
		for (let i = 0; i < batch; i++) {
			const fresh = new Uint8Array(VALUE_BYTES);
			fresh[0] = i;
			store.set(keys[order[c++ & 0xffff] as number] as string, fresh);
		}
		cursor = c;
	});
	await bench.run();
	const getOps = opsPerSecond(bench.tasks[0], batch);
	const setOps = opsPerSecond(bench.tasks[1], batch);
	console.log(JSON.stringify({ contender, count, getOps, setOps, sink: sink > 0 }));
} else {
	// Another loop churns sets (fresh 1 KiB values) while gets are timed one by one.
	const rounds = 200_000;
	const latenciesNs = new Float64Array(rounds);
	let x = 12345;
	let sink = 0;
	for (let r = 0; r < rounds; r++) {
		for (let c = 0; c < 4; c++) {
			x = (x * 1103515245 + 12345) & 0x7fffffff;
			const fresh = new Uint8Array(VALUE_BYTES);
			fresh[0] = c;
			store.set(keys[x % count] as string, fresh);
		}
		x = (x * 1103515245 + 12345) & 0x7fffffff;
		const key = keys[x % count] as string;
		const t0 = Bun.nanoseconds();
		const v = store.get(key);
		latenciesNs[r] = Bun.nanoseconds() - t0;
		sink += v?.[0] ?? 0;
	}
	latenciesNs.sort();
	const at = (q: number) => latenciesNs[Math.min(rounds - 1, Math.floor(q * rounds))] as number;
	console.log(
		JSON.stringify({
			contender,
			count,
			p50Ns: at(0.5),
			p99Ns: at(0.99),
			p999Ns: at(0.999),
			maxNs: at(1),
			sink: sink > 0,
		}),
	);
}
