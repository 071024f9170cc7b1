/**
 * The statistics the tier and the coalescing lock keep themselves, exposed at scrape time:
 * running totals as counters (`_total`, so rate() works on them), current levels as gauges.
 */
import type { CacheLockStats } from "../lock/cache-lock.ts";
import type { TierStats } from "../store/storage.ts";
import type { Counter, Gauge, Registry } from "./registry.ts";

type TierTotal = "hits" | "misses" | "evictions" | "expirations" | "purges" | "refusals";
type TierLevel = "objects" | "bytes" | "capacityBytes";
type LockTotal = "coalesced" | "followed" | "writerTimeouts" | "handoffs" | "waitTimeouts";
type LockLevel = "locksHeld" | "waiting" | "uncacheableKeys";

const TIER_TOTALS: Record<TierTotal, [string, string]> = {
	hits: ["neuro_l0_hits_total", "L0 lookups that found a live object."],
	misses: ["neuro_l0_misses_total", "L0 lookups that found nothing live."],
	evictions: ["neuro_l0_evictions_total", "Objects L0 evicted to make room."],
	expirations: ["neuro_l0_expirations_total", "Objects L0 dropped at their expiry."],
	purges: ["neuro_l0_purges_total", "Objects purged from L0."],
	refusals: ["neuro_l0_refusals_total", "Writes L0 refused (too large, no room...)."],
};
const TIER_LEVELS: Record<TierLevel, [string, string]> = {
	objects: ["neuro_l0_objects", "Objects stored in L0."],
	bytes: ["neuro_l0_stored_bytes", "Bytes L0 holds (slot sizes, metadata included)."],
	capacityBytes: ["neuro_l0_capacity_bytes", "Bytes L0 may hold."],
};
const LOCK_TOTALS: Record<LockTotal, [string, string]> = {
	coalesced: ["neuro_coalesced_waits_total", "Requests served by another request's origin fetch."],
	followed: [
		"neuro_coalescing_followed_total",
		"Waiters served a large fill as it arrived (of the coalesced waits).",
	],
	writerTimeouts: ["neuro_coalescing_writer_timeouts_total", "Fill locks that expired."],
	handoffs: [
		"neuro_coalescing_handoffs_total",
		"Waiters that became the writer after a writer failed or expired.",
	],
	waitTimeouts: ["neuro_coalescing_wait_timeouts_total", "Waiters that gave up waiting."],
};
const LOCK_LEVELS: Record<LockLevel, [string, string]> = {
	locksHeld: ["neuro_coalescing_locks", "Keys being filled now."],
	waiting: ["neuro_coalescing_waiting", "Requests waiting on a fill now."],
	uncacheableKeys: ["neuro_coalescing_uncacheable_keys", "Keys remembered as uncacheable."],
};

export interface ScrapedMetrics {
	update(pop: string, tier: TierStats, lock: CacheLockStats): void;
}

export function scrapedMetrics(registry: Registry): ScrapedMetrics {
	const counters = <K extends string>(table: Record<K, [string, string]>): [K, Counter][] =>
		(Object.keys(table) as K[]).map((stat) => {
			const [name, help] = table[stat];
			return [stat, registry.counter(name, help, ["pop"])];
		});
	const gauges = <K extends string>(table: Record<K, [string, string]>): [K, Gauge][] =>
		(Object.keys(table) as K[]).map((stat) => {
			const [name, help] = table[stat];
			return [stat, registry.gauge(name, help, ["pop"])];
		});
	const tierTotals = counters(TIER_TOTALS);
	const tierLevels = gauges(TIER_LEVELS);
	const lockTotals = counters(LOCK_TOTALS);
	const lockLevels = gauges(LOCK_LEVELS);
	return {
		update(pop, tier, lock) {
			for (const [stat, counter] of tierTotals) counter.setTotal({ pop }, tier[stat]);
			for (const [stat, gauge] of tierLevels) gauge.set({ pop }, tier[stat]);
			for (const [stat, counter] of lockTotals) counter.setTotal({ pop }, lock[stat]);
			for (const [stat, gauge] of lockLevels) gauge.set({ pop }, lock[stat]);
		},
	};
}
