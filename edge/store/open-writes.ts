/**
 * A tier's streamed writes open now, as its purges see them (OpenWrite): what both stores
 * (memory.ts, large-objects.ts) do to them when a write opens and when a purge runs.
 */
import type { OpenWrite } from "./memory-writer.ts";
import type { PurgeHistory } from "./purge-history.ts";
import { selects } from "./purge-selector.ts";
import type { HeaderInvalidation, ObjectMeta, PurgeMark, PurgeSelector } from "./storage.ts";

/**
 * The record of a write opening now for `key`. Purges between `since` and now reach it as
 * if it had been open for them.
 */
export function openWriteFor(
	key: string,
	meta: ObjectMeta,
	history: PurgeHistory,
	since: PurgeMark | undefined,
): OpenWrite {
	const write: OpenWrite = {
		key,
		expiresAt: meta.expiresAt,
		tags: meta.tags,
		purged: false,
		invalidations: undefined,
	};
	if (since !== undefined) {
		const missed = history.since(since, (selector) => selects(selector, write));
		write.purged = missed.hard;
		if (missed.invalidations.length > 0) write.invalidations = [...missed.invalidations];
	}
	return write;
}

/**
 * A purge, hard or soft, has reached the write since it began (ObjectWriter.overtaken): it
 * will store nothing, or a stale copy.
 */
export function overtakenByPurge(write: OpenWrite): boolean {
	return write.purged || write.invalidations !== undefined;
}

/** A hard purge: the open writes it matches store nothing (they began before it). */
export function markPurged(writes: Iterable<OpenWrite>, selector: PurgeSelector): void {
	for (const write of writes) if (selects(selector, write)) write.purged = true;
}

/** A soft purge: the open writes it matches are stored rewritten by `invalidate`. */
export function markSoftPurged(
	writes: Iterable<OpenWrite>,
	selector: PurgeSelector,
	invalidate: HeaderInvalidation,
): void {
	for (const write of writes) {
		if (write.purged || !selects(selector, write)) continue;
		const marks = write.invalidations;
		if (marks === undefined) write.invalidations = [invalidate];
		else if (!marks.includes(invalidate)) marks.push(invalidate);
	}
}
