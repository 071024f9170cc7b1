/**
 * What a purge costs the memory tier holding many objects. A URL's purge is its key plus
 * the prefix `key + NUL` (its variants and part, edge/purge.ts); the tier answers that
 * prefix from its key-family index. The baseline, in the same run on the same tier, is a
 * path-prefix purge of the same URL, which still reads every key, as URL purges did before
 * the index. Every purge runs on the edge's one thread, and a POP applies every purge the
 * control plane commits, so its cost is taken from serving.
 */
import { MemoryTier } from "../../edge/store/memory.ts";
import { FfiSlab } from "../../native/slab.ts";
import { progress } from "./report.ts";

export interface UrlPurgeFigures {
	readonly objects: number;
	/** Mean ms of one URL purge (key and variants), through the family index. */
	readonly urlPurgeMs: number;
	/** Mean ms of one path-prefix purge, which reads every key. */
	readonly scanPurgeMs: number;
}

const PURGES = 50;
const VARIANTS = 3;
const META = { expiresAt: Number.POSITIVE_INFINITY, tags: [], header: new Uint8Array(24) };
const BODY = new Uint8Array(256);

const urlOf = (i: number) => `https://www.example.com/assets/item/${i}?v=2`;
const variantOf = (i: number, v: number) => `${urlOf(i)}\u0000{"accept-encoding":"enc-${v}"}`;

function store(tier: MemoryTier, key: string): void {
	const writer = tier.beginWrite(key, META, BODY.byteLength);
	writer.write(BODY);
	if (!writer.commit().stored) throw new Error(`the bench tier refused ${key}: make it larger`);
}

/** A tier of `objects` URLs, one in ten with VARIANTS variants under a Vary record. */
function filledTier(objects: number): MemoryTier {
	const tier = new MemoryTier({ slab: new FfiSlab({ capacityBytes: objects * 1024 }) });
	for (let i = 0; i < objects; i++) {
		store(tier, urlOf(i));
		if (i % 10 === 0) for (let v = 0; v < VARIANTS; v++) store(tier, variantOf(i, v));
		if (i > 0 && i % 250_000 === 0) progress(`url purge: ${i} of ${objects} objects stored`);
	}
	return tier;
}

/** Mean ms of `purge` over PURGES varied URLs (each stored again after, so the tier stays whole). */
async function timePurges(
	tier: MemoryTier,
	purge: (i: number) => Promise<unknown>,
	objects: number,
): Promise<number> {
	const step = Math.floor(objects / PURGES / 10) * 10;
	let total = 0;
	for (let n = 0; n < PURGES; n++) {
		const i = n * step;
		const start = performance.now();
		await purge(i);
		total += performance.now() - start;
		store(tier, urlOf(i));
		for (let v = 0; v < VARIANTS; v++) store(tier, variantOf(i, v));
	}
	return total / PURGES;
}

export async function benchUrlPurge(objects: number): Promise<UrlPurgeFigures> {
	progress(`url purge: filling a memory tier with ${objects} objects`);
	const tier = filledTier(objects);
	const byUrl = async (i: number) => {
		const purged =
			(await tier.purge({ key: urlOf(i) })) + (await tier.purge({ prefix: `${urlOf(i)}\u0000` }));
		if (purged !== 1 + VARIANTS)
			throw new Error(`url purge took ${purged} objects, not ${1 + VARIANTS}`);
	};
	// The same URL named as a path prefix (its query left out, so no NUL): every key is read.
	const byScan = async (i: number) => {
		const purged = await tier.purge({ prefix: `https://www.example.com/assets/item/${i}?` });
		if (purged !== 1 + VARIANTS)
			throw new Error(`prefix purge took ${purged} objects, not ${1 + VARIANTS}`);
	};
	progress(`url purge: ${PURGES} URL purges, then ${PURGES} path-prefix purges`);
	const urlPurgeMs = await timePurges(tier, byUrl, objects);
	const scanPurgeMs = await timePurges(tier, byScan, objects);
	tier.close();
	return { objects, urlPurgeMs, scanPurgeMs };
}
