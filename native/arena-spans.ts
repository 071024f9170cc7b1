/**
 * The arena as spans (the 1-8 contiguous pages a size class carves into slots, see
 * slab.zig), each a byte view made on first use and held weakly: what the memory tier
 * reads and writes slots through. A slot lies inside its span, which begins at the page
 * its handle names (spanStart / slotOffsetInSpan in size-classes.ts).
 *
 * Why not one ArrayBuffer over the whole arena: JSC counts every ArrayBuffer's bytes in
 * its heap size (extraMemorySize), whoever allocated them, so one buffer over a 1 GiB
 * mmap'ed arena made an empty tier "hold" 1 GiB of JS heap and told the GC so. A span's
 * buffer lives only while something holds a view of it (a reader's body, the hot set);
 * once nothing does, the GC collects the wrapper (never the memory: the slab owns that)
 * and the next use makes it again, for one toArrayBuffer per span. A span is known by its
 * first page until the slab gives it back (releaseSpan): forget() then drops its view,
 * since the page may next begin a span of another class and length.
 */
import { SlabClosedError } from "./errors.ts";
import { classOfHandle, SIZE_CLASSES, type SizeClass, spanStart } from "./size-classes.ts";

export type SpanMaker = (firstPage: number, pages: number) => Uint8Array;

export class ArenaSpans {
	readonly #spans: (WeakRef<Uint8Array> | undefined)[];
	#make: SpanMaker | undefined;

	/** `make(firstPage, pages)` returns those pages' bytes, zero-copy. */
	constructor(pageCount: number, make: SpanMaker) {
		this.#spans = new Array<WeakRef<Uint8Array> | undefined>(pageCount).fill(undefined);
		this.#make = make;
	}

	/**
	 * The bytes of the span holding `handle`'s slot. Unchecked: the caller passes a handle
	 * of this arena. Throws SlabClosedError once the slab is closed.
	 */
	spanOf(handle: number): Uint8Array {
		const first = spanStart(handle);
		const held = this.#spans[first]?.deref();
		if (held !== undefined) return held;
		if (this.#make === undefined) throw new SlabClosedError();
		const pages = (SIZE_CLASSES[classOfHandle(handle)] as SizeClass).spanPages;
		const made = this.#make(first, pages);
		this.#spans[first] = new WeakRef(made);
		return made;
	}

	/** The span beginning at `firstPage` was given back. */
	forget(firstPage: number): void {
		this.#spans[firstPage] = undefined;
	}

	/** The slab released its arena: no span is handed out again. */
	close(): void {
		this.#make = undefined;
		this.#spans.fill(undefined);
	}
}
