/**
 * L0 and a plain Map<string, Uint8Array> side by side in one process, measured in short
 * alternating rounds: on this shared VM throughput drifts by 2x within seconds, for both
 * alike, so only ratios taken in the same moment mean anything. Prints one JSON line.
 *   bun test/bench/paired-ops.ts KEYS ROUNDS
 *
 * Each contender has its own loop functions, so every call site stays monomorphic and
 * neither pays for the other's presence in the JIT's type profile.
 */
import { Bench } from "tinybench";
import { MemoryTier } from "../../edge/store/memory.ts";
import { FfiSlab } from "../../native/slab.ts";
import { opsPerSecond } from "./report.ts";

const VALUE_BYTES = 1024;
const BATCH = 1000;
const keyCount = Number(Bun.argv[2]);
const rounds = Number(Bun.argv[3]);
if (!(keyCount > 0) || !(rounds > 0)) {
	console.error("usage: paired-ops.ts KEYS ROUNDS");
	process.exit(2);
}

const keys = Array.from({ length: keyCount }, (_, i) => `/assets/object-${i}.bin`);
/** The same pseudo-random walk over the keys for both contenders. */
const order = new Int32Array(1 << 16);
let seed = 7;
for (let i = 0; i < order.length; i++) {
	seed ^= seed << 13;
	seed ^= seed >>> 17;
	seed ^= seed << 5;
	order[i] = (seed >>> 0) % keyCount;
}

const map = new Map<string, Uint8Array>();
const capacityMiB = Math.ceil((keyCount * VALUE_BYTES) / 2 ** 20) + 8;
const tier = new MemoryTier({ slab: new FfiSlab({ capacityBytes: capacityMiB * 2 ** 20 }) });
for (let i = 0; i < keyCount; i++) {
	const value = new Uint8Array(VALUE_BYTES);
	value[0] = i & 0xff;
	map.set(keys[i] as string, value);
	tier.set(keys[i] as string, value);
}

let mapCursor = 0;
let tierCursor = 0;
let sink = 0;
// Locals only inside the loops: a captured counter would add the same overhead to both
// contenders and flatten the ratio towards 1.
function mapGets(): void {
	let c = mapCursor;
	let s = 0;
	for (let i = 0; i < BATCH; i++) {
		const v = map.get(keys[order[c++ & 0xffff] as number] as string);
		s += v === undefined ? 0 : (v[0] as number);
	}
	mapCursor = c;
	sink += s;
}
function tierGets(): void {
	let c = tierCursor;
	let s = 0;
	for (let i = 0; i < BATCH; i++) {
		const v = tier.get(keys[order[c++ & 0xffff] as number] as string);
		s += v === undefined ? 0 : (v[0] as number);
	}
	tierCursor = c;
	sink += s;
}
// Sets overwrite existing keys with a fresh value each, as origin responses arrive: the Map
// keeps the reference, the tier copies the bytes into the slab.
function mapSets(): void {
	let c = mapCursor;
	for (let i = 0; i < BATCH; i++) {
		const fresh = new Uint8Array(VALUE_BYTES);
		fresh[0] = i;
		map.set(keys[order[c++ & 0xffff] as number] as string, fresh);
	}
	mapCursor = c;
}
function tierSets(): void {
	let c = tierCursor;
	for (let i = 0; i < BATCH; i++) {
		const fresh = new Uint8Array(VALUE_BYTES);
		fresh[0] = i;
		tier.set(keys[order[c++ & 0xffff] as number] as string, fresh);
	}
	tierCursor = c;
}

interface Pair {
	readonly map: number;
	readonly tier: number;
}

/** One round: both contenders' loops, the one going first alternating between rounds. */
async function round(
	index: number,
	kind: string,
	mapLoop: () => void,
	tierLoop: () => void,
): Promise<Pair> {
	const bench = new Bench({ time: 150, warmupTime: 30 });
	if (index % 2 === 0) bench.add("map", mapLoop).add("l0", tierLoop);
	else bench.add("l0", tierLoop).add("map", mapLoop);
	await bench.run();
	const ops = (name: string) =>
		opsPerSecond(
			bench.tasks.find((task) => task.name === name),
			BATCH,
		);
	if ((index + 1) % 5 === 0)
		console.error(`[paired ${keyCount} keys] ${kind} round ${index + 1}/${rounds}`);
	return { map: ops("map"), tier: ops("l0") };
}

// Every get round first, then every set round: a set drops its key from the tier's hot set,
// so interleaving them would measure gets of a cache that was just rewritten.
const gets: Pair[] = [];
for (let i = 0; i < rounds; i++) gets.push(await round(i, "get", mapGets, tierGets));
const sets: Pair[] = [];
for (let i = 0; i < rounds; i++) sets.push(await round(i, "set", mapSets, tierSets));
console.log(JSON.stringify({ keys: keyCount, gets, sets, sink: sink > 0 }));
