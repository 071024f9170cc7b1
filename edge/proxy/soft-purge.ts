/**
 * Soft purge: matching stored responses are marked invalidated instead of dropped. They are
 * stale from then on (lifetime 0), so a cache that may serve stale (stale-while-revalidate,
 * stale-if-error) keeps answering while it revalidates, and validators still allow a 304.
 */
import type { PurgeSelector, Storage } from "../store/storage.ts";
import { decodeRecord, encodeStoredResponse } from "./stored-response.ts";

export async function softPurge(tier: Storage, selector: PurgeSelector): Promise<number> {
	let marked = 0;
	for (const key of await tier.keys(selector)) {
		const hit = await tier.lookup(key);
		if (hit === undefined) continue;
		const record = decodeRecord(hit.meta.header);
		const meta = hit.meta;
		hit.release();
		if (record.kind !== "response" || record.invalidated === true) continue;
		const { kind: _kind, ...stored } = record;
		const header = encodeStoredResponse({ ...stored, invalidated: true });
		if (await tier.updateMeta(key, { expiresAt: meta.expiresAt, tags: meta.tags, header }))
			marked++;
	}
	return marked;
}
