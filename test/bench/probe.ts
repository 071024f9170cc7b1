/**
 * Runs one contender in a process of its own, so heap and RSS figures, GC pauses and JIT
 * state belong to it alone. Prints one JSON line on stdout.
 *   bun test/bench/probe.ts memory l0|map COUNT
 *   bun test/bench/probe.ts latency l0|map COUNT
 */
import { heapStats } from "bun:jsc";
import { MemoryTier } from "../../edge/store/memory.ts";
import { FfiSlab } from "../../native/slab.ts";

const VALUE_BYTES = 1024;
const [mode, contender, countText] = Bun.argv.slice(2);
const count = Number(countText);
if (
	(mode !== "memory" && mode !== "latency") ||
	(contender !== "l0" && contender !== "map") ||
	!(count > 0)
) {
	console.error("usage: probe.ts memory|latency l0|map COUNT");
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
// The Map keeps the value it is given, so it gets a fresh one per key. L0 copies the bytes
// into the slab and keeps nothing, so it is fed from a small pool of reused buffers (as
// transient network chunks would be): a fresh buffer per key would be garbage the producer
// made, and how much of it the allocator has handed back to the OS when RSS is read varies
// from run to run by ~100 MB.
const sourcePool = Array.from({ length: 64 }, () => new Uint8Array(VALUE_BYTES));
for (let i = 0; i < count; i++) {
	const value =
		contender === "map" ? new Uint8Array(VALUE_BYTES) : (sourcePool[i & 63] as Uint8Array);
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
