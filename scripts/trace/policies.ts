import { LruPolicy } from "../../edge/policy/lru.ts";
import { RankedCache } from "../../edge/policy/ranked-cache.ts";
import { S3FifoCache } from "../../edge/policy/s3-fifo.ts";
import { S3FifoPolicy } from "../../edge/policy/s3-fifo-policy.ts";
import type { SizedCachePolicy } from "../../edge/policy/sized-cache.ts";
import { WTinyLfuCache } from "../../edge/policy/w-tinylfu.ts";
import type { ReplayMode } from "./replay.ts";
import type { Trace } from "./trace-file.ts";

/** What a policy needs to know about the replay to size itself. */
export interface PolicySetting {
	readonly capacity: number;
	readonly mode: ReplayMode;
	readonly trace: Trace;
}

export type PolicyFactory = (setting: PolicySetting) => SizedCachePolicy;

/** In byte mode, the sketch and climber count objects: estimate how many fit. */
function capacityInObjects({ capacity, mode, trace }: PolicySetting): number {
	if (mode === "count") return capacity;
	const meanSize = trace.uniqueBytes / Math.max(1, trace.uniqueObjects);
	return Math.max(1, Math.floor(capacity / Math.max(1, meanSize)));
}

export const lru: PolicyFactory = ({ capacity }) =>
	new RankedCache(new LruPolicy(1024), capacity, "LRU");

export const candidates: Readonly<Record<string, PolicyFactory>> = {
	"s3-fifo": ({ capacity }) => new S3FifoCache(capacity),
	// The memory tier's own S3-FIFO (ghosts of key hashes, entry-counted split), driven as the
	// tier drives it: its figures should stay close to ours above.
	"s3-fifo-tier": ({ capacity }) => new RankedCache(new S3FifoPolicy(), capacity, "S3-FIFO (tier)"),
	// The split adapted by ghost hits alone (ARC's rule): ours before the tuner.
	"s3-fifo-ghost-hits": ({ capacity }) => new S3FifoCache(capacity, { split: "ghost-hits" }),
	// The paper's fixed 10% split and 90% ghost; with 2 hits it reproduces libCacheSim's rows.
	"s3-fifo-fixed": ({ capacity }) => new S3FifoCache(capacity, { split: "fixed", ghostShare: 0.9 }),
	"s3-fifo-2hits": ({ capacity }) =>
		new S3FifoCache(capacity, { split: "fixed", ghostShare: 0.9, promoteAfterHits: 2 }),
	"w-tinylfu": (setting) =>
		new WTinyLfuCache(setting.capacity, {
			adaptive: false,
			capacityInObjects: capacityInObjects(setting),
		}),
	"w-tinylfu-adaptive": (setting) =>
		new WTinyLfuCache(setting.capacity, { capacityInObjects: capacityInObjects(setting) }),
};

/**
 * Ours: chosen by measurement over the shared traces (`npm run trace -- DIR --all --candidates`,
 * figures in docs/cache-policy.md): S3-FIFO, promoting after one hit in the small FIFO, with
 * the small/main split chosen by miniature simulations of several splits.
 */
export const OURS = "s3-fifo";
