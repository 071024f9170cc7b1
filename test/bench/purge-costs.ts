/**
 * What a purge costs the memory tier holding many objects, on the edge's one thread: every
 * POP applies every purge the control plane commits, so that time is taken from serving.
 *
 * - A URL's purge is its key plus the prefix `key + NUL` (its variants and part,
 *   edge/purge.ts); the tier answers that prefix from its key-family index.
 * - A path prefix names no family, so every key must be read. The tier sweeps it
 *   (edge/store/prefix-sweeps.ts): gone for every read at once, the index walked a slice at
 *   a time with the event loop let run in between. What counts is the longest slice, the
 *   longest the thread is held at once.
 *
 * The baseline for both, on the same tier in the same run, is one pass over every key for
 * the prefix (keys()), which is what a path-prefix purge, and before the family index a URL
 * purge, held the thread for.
 */
import { MemoryTier } from "../../edge/store/memory.ts";
import { FfiSlab } from "../../native/slab.ts";
import { progress } from "./report.ts";

export interface PurgeFigures {
	readonly objects: number;
	/** Mean ms of one URL purge (key and variants), through the family index. */
	readonly urlPurgeMs: number;
	/** Mean ms of one pass over every key for a path prefix: the thread held throughout. */
	readonly onePassMs: number;
	/** The longest slice of any path-prefix purge's sweep: the longest the thread is held. */
	readonly longestSliceMs: number;
	readonly medianSliceMs: number;
	/** Mean ms from a path-prefix purge's call to its sweep's end, slices and waits between. */
	readonly sweepMs: number;
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
function filledTier(objects: number, yieldBetweenSlices: () => Promise<void>): MemoryTier {
	const tier = new MemoryTier({
		slab: new FfiSlab({ capacityBytes: objects * 1024 }),
		yieldBetweenSlices,
	});
	for (let i = 0; i < objects; i++) {
		store(tier, urlOf(i));
		if (i % 10 === 0) for (let v = 0; v < VARIANTS; v++) store(tier, variantOf(i, v));
		if (i > 0 && i % 250_000 === 0) progress(`purge: ${i} of ${objects} objects stored`);
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

/** The tier's yield between slices, timing each slice: from its resume to its next yield. */
class SliceTimer {
	#sliceStart = 0;
	readonly slicesMs: number[] = [];

	/** A sweep's first slice runs in the purge's call. */
	begin(): void {
		this.#sliceStart = performance.now();
	}

	/** Its last slice ends as the purge resolves. */
	end(): void {
		this.slicesMs.push(performance.now() - this.#sliceStart);
	}

	get longestMs(): number {
		return Math.max(...this.slicesMs);
	}

	get medianMs(): number {
		const sorted = this.slicesMs.toSorted((a, b) => a - b);
		return sorted[Math.floor(sorted.length / 2)] ?? 0;
	}

	readonly yieldBetweenSlices = (): Promise<void> => {
		this.end();
		return new Promise((resolve) =>
			setTimeout(() => {
				this.begin();
				resolve();
			}, 0),
		);
	};
}

export async function benchPurges(objects: number): Promise<PurgeFigures> {
	progress(`purge: filling a memory tier with ${objects} objects`);
	const slices = new SliceTimer();
	const tier = filledTier(objects, slices.yieldBetweenSlices);
	const byUrl = async (i: number) => {
		const purged =
			(await tier.purge({ key: urlOf(i) })) + (await tier.purge({ prefix: `${urlOf(i)}\u0000` }));
		if (purged !== 1 + VARIANTS)
			throw new Error(`url purge took ${purged} objects, not ${1 + VARIANTS}`);
	};
	// The same URL named as a path prefix (its query left out, so no NUL): every key is read.
	const pathPrefixOf = (i: number) => `https://www.example.com/assets/item/${i}?`;
	const onePass = async (i: number) => {
		const matched = await tier.keys({ prefix: pathPrefixOf(i) });
		if (matched.length !== 1 + VARIANTS)
			throw new Error(`one pass found ${matched.length} objects, not ${1 + VARIANTS}`);
	};
	const bySweep = async (i: number) => {
		slices.begin();
		const purged = await tier.purge({ prefix: pathPrefixOf(i) });
		slices.end();
		if (purged !== 1 + VARIANTS)
			throw new Error(`prefix purge took ${purged} objects, not ${1 + VARIANTS}`);
	};
	progress(`purge: ${PURGES} URL purges, ${PURGES} passes over every key, ${PURGES} sweeps`);
	const urlPurgeMs = await timePurges(tier, byUrl, objects);
	const onePassMs = await timePurges(tier, onePass, objects);
	const sweepMs = await timePurges(tier, bySweep, objects);
	tier.close();
	return {
		objects,
		urlPurgeMs,
		onePassMs,
		longestSliceMs: slices.longestMs,
		medianSliceMs: slices.medianMs,
		sweepMs,
	};
}
