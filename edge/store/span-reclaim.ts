/**
 * Giving a slab span back so another size class can use its pages (the cure for slab
 * calcification, slab.zig's header): the memory tier's side. Its objects are moved into
 * free slots of their class elsewhere, or, where the class has none, dropped; then the
 * empty span goes back to the slab's pool.
 */
import type { ArenaSpans } from "../../native/arena-spans.ts";
import { SlabErrorCode } from "../../native/errors.ts";
import { slotOffsetInSpan, spanStart } from "../../native/size-classes.ts";
import type { Slab } from "../../native/slab-api.ts";
import { type EntryTable, HANDLE, ROW } from "./entry-table.ts";

/**
 * The entries whose slots lie in the span beginning at `page`, or undefined when that span
 * cannot be emptied now: a reader pins one of them, or a slot there is held by a write
 * still open (counted live by the slab, but no entry's yet). A scan of the entry table:
 * this runs only when a class has no slot left and no page to carve.
 */
export function occupantsOf(entries: EntryTable, slab: Slab, page: number): number[] | undefined {
	const rows = entries.rows;
	const keys = entries.keys;
	const ids: number[] = [];
	for (let id = 0; id < entries.idLimit; id++) {
		if (keys[id] === undefined || spanStart(rows[id * ROW + HANDLE] as number) !== page) continue;
		if (entries.isPinned(id)) return undefined;
		ids.push(id);
	}
	return ids.length === slab.spanLive(page) ? ids : undefined;
}

/** What emptying a span did to its objects. */
export interface Emptied {
	readonly moved: number;
	readonly dropped: number;
}

/**
 * Empties the span at `page` of `ids` (occupantsOf's answer) and gives it back. Each object
 * moves to a free slot of its class in another span, its row pointing there; where the
 * class has no free slot left, `drop(id)` removes the entry (freeing its slot, which the
 * draining span keeps off the free list). `moved(id)` lets the owner forget views of the
 * old slot.
 */
export function emptySpan(
	slab: Slab,
	spans: ArenaSpans,
	entries: EntryTable,
	page: number,
	ids: readonly number[],
	hooks: { readonly moved: (id: number) => void; readonly drop: (id: number) => void },
): Emptied {
	slab.drainSpan(page);
	let moved = 0;
	for (const id of ids) {
		const at = id * ROW + HANDLE;
		const old = entries.rows[at] as number;
		const size = slab.size(old);
		const fresh = slab.tryAlloc(size);
		if (fresh === SlabErrorCode.SlabFull) {
			hooks.drop(id);
			continue;
		}
		if (fresh < 0) throw new Error(`slab refused moving ${size} bytes (code ${fresh})`);
		const from = slotOffsetInSpan(old);
		spans.spanOf(fresh).set(spans.spanOf(old).subarray(from, from + size), slotOffsetInSpan(fresh));
		entries.rows[at] = fresh;
		hooks.moved(id);
		slab.free(old);
		moved++;
	}
	slab.releaseSpan(page);
	return { moved, dropped: ids.length - moved };
}
