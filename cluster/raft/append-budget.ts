/**
 * How many entries one append may carry by size, not only by count. A driver sends each
 * message as one frame and its transport drops a frame over its limit, so an append built
 * by count alone (256 entries of 100 KB each) would be dropped every time it is resent and
 * the follower it is for would never catch up. etcd bounds its appends the same way
 * (MaxSizePerMsg). Pure.
 */
import type { Entry } from "./messages.ts";

/**
 * Most code units of entry data in one append by default. The control plane's entries are
 * JSON text: sent as a JSON string, a code unit takes at most 3 bytes of UTF-8 (a quote or
 * backslash 2), so this keeps an append far below the transport's 4 MiB frame.
 */
export const DEFAULT_MAX_APPEND_DATA_CHARS = 512 * 1024;

/**
 * The longest prefix of `entries` whose data fits `maxChars` code units in all, but at
 * least one entry: an entry larger than the budget alone must still go (the proposer bounds
 * an entry's size, see state/entry-encoding.ts), or the follower would wait on it forever.
 */
export function withinDataBudget(entries: readonly Entry[], maxChars: number): Entry[] {
	let chars = 0;
	let count = 0;
	for (const entry of entries) {
		chars += entry.data.length;
		if (count > 0 && chars > maxChars) break;
		count += 1;
	}
	return entries.slice(0, count);
}
