/**
 * L0 as node.ts and every runtime adapter build it: the slab tier, and beside it the large
 * objects' store when it has a budget, sharing one purge history behind one Storage
 * (size-routed.ts).
 */
import type { Slab } from "../../native/slab-api.ts";
import type { Clock } from "./clock.ts";
import { defaultLargestObject } from "./large-budget.ts";
import { LargeObjectStore } from "./large-objects.ts";
import { MemoryTier } from "./memory.ts";
import { PurgeHistory } from "./purge-history.ts";
import { SizeRoutedStorage } from "./size-routed.ts";
import type { Storage, TierStats } from "./storage.ts";

export interface L0 {
	/** The slab tier itself, for the raw L0 routes and closing. */
	readonly memory: MemoryTier;
	/** The large objects' store; undefined when it has no budget. */
	readonly large: LargeObjectStore | undefined;
	/** What the edge caches through: the slab tier alone, or both by size. */
	readonly storage: Storage & { stats(): TierStats };
}

export function createL0(slab: Slab, largeBytes: number, clock?: Clock): L0 {
	const purgeHistory = new PurgeHistory();
	const memory = new MemoryTier({ slab, purgeHistory, ...(clock ? { clock } : {}) });
	if (largeBytes === 0) return { memory, large: undefined, storage: memory };
	const large = new LargeObjectStore({
		capacityBytes: largeBytes,
		purgeHistory,
		...(clock ? { clock } : {}),
	});
	return { memory, large, storage: new SizeRoutedStorage(memory, large) };
}

/** What a start line says of the large objects' store, given its budget in MiB. */
export function largeStoreSummary(largeMb: number): string {
	return largeMb === 0
		? "objects over 1 MiB not cached"
		: `objects over 1 MiB in ${largeMb} MiB beside it, each up to ${defaultLargestObject(largeMb * 2 ** 20) / 2 ** 20} MiB`;
}
