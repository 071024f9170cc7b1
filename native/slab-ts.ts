/**
 * A pure-TypeScript twin of native/slab.zig: same size classes, same spans, same handle
 * layout and the same slot order, so one call sequence yields the same handles and the
 * same errors on both. It is usable where the native library cannot load, and is a reference
 * that the shared contract suite (test/native/slab-contract.ts) holds both to.
 *
 * Single-threaded: JavaScript gives one thread per isolate, so the Treiber stacks and CAS
 * loops of the Zig slab become plain typed-array stacks and stores.
 */

import { ArenaSpans } from "./arena-spans.ts";
import {
	DoubleFreeError,
	InvalidArgumentError,
	ObjectTooLargeError,
	OutOfBoundsError,
	SlabClosedError,
	SlabErrorCode,
	SlabFullError,
	StaleHandleError,
} from "./errors.ts";
import {
	CLASS_BITS,
	classFor,
	GEN_BITS,
	MAX_OBJECT,
	MAX_PAGES,
	PAGE_BITS,
	PAGE_SIZE,
	SIZE_CLASSES,
	type SizeClass,
	SLOT_BITS,
} from "./size-classes.ts";
import type { Slab, SlabClassStats, SlabHandle, SlabOptions, SlabStats } from "./slab-api.ts";
import { drainRefusal, releaseRefusal } from "./span-refusals.ts";

// Handles use up to 53 bits, past the 32 that JS bitwise operators keep, so the fields
// above the slot reference are packed and unpacked with multiplication and division.
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const REF_RANGE = 2 ** (SLOT_BITS + PAGE_BITS);
const CLASS_RANGE = 2 ** CLASS_BITS;
const GEN_UNIT = 2 ** (SLOT_BITS + PAGE_BITS + CLASS_BITS);
const GEN_MASK = (1 << GEN_BITS) - 1;
const HANDLE_LIMIT = 2 ** 53;
const ALLOCATED = 1;

/** Per-slot metadata of one span, indexed by slot. Lives outside the arena, as in Zig. */
interface SpanMeta {
	/** generation << 1 | allocated */
	readonly state: Uint32Array;
	/** bytes requested at alloc */
	readonly len: Uint32Array;
}

/** A LIFO stack of slot references in a typed array that doubles when full. */
class SlotStack {
	private refs = new Uint32Array(64);
	private count = 0;

	push(ref: number): void {
		if (this.count === this.refs.length) {
			const grown = new Uint32Array(this.refs.length * 2);
			grown.set(this.refs);
			this.refs = grown;
		}
		this.refs[this.count++] = ref;
	}

	/** The most recently pushed reference, or -1 when empty. */
	pop(): number {
		if (this.count === 0) return -1;
		return this.refs[--this.count] as number;
	}

	/** Drops the references `drop` says so, keeping the others' order. */
	removeWhere(drop: (ref: number) => boolean): void {
		let kept = 0;
		for (let i = 0; i < this.count; i++) {
			const ref = this.refs[i] as number;
			if (!drop(ref)) this.refs[kept++] = ref;
		}
		this.count = kept;
	}
}

function sizeClass(classIndex: number): SizeClass {
	return SIZE_CLASSES[classIndex] as SizeClass;
}

function isNonNegativeInteger(value: number): boolean {
	return Number.isInteger(value) && value >= 0;
}

/** Everything close() releases: the arena and the bookkeeping that describes it. */
interface Arena {
	readonly buffer: ArrayBuffer;
	readonly bytes: Uint8Array;
	readonly pageCount: number;
	/** The bump cursor: pages below it were carved at some point. */
	nextPage: number;
	/** Pages given back by releaseSpan and not carved again (the pool). */
	pooledPages: number;
	bytesRequested: number;
	/** Class index of each page that begins a span; -1 inside a span or not yet carved. */
	readonly pageClass: Int8Array;
	/**
	 * Metadata of each span, at the index of its first page; allocated when carved, and kept
	 * when the span is given back (its generations carry over to the next span there).
	 */
	readonly spans: (SpanMeta | undefined)[];
	readonly freeSlots: readonly SlotStack[];
	readonly slotsUsed: Uint32Array;
	readonly slotsCarved: Uint32Array;
	/** Live slots of the span beginning at each page. */
	readonly spanLive: Uint32Array;
	/** POOLED / DRAINING per page, as in slab.zig. */
	readonly pageFlags: Uint8Array;
}

const POOLED = 1;
const DRAINING = 2;

function createArena(capacityBytes: number): Arena {
	const pageCount = capacityBytes / PAGE_SIZE;
	const buffer = new ArrayBuffer(capacityBytes);
	return {
		buffer,
		bytes: new Uint8Array(buffer),
		pageCount,
		nextPage: 0,
		pooledPages: 0,
		bytesRequested: 0,
		// 113 classes fit an Int8Array, leaving -1 free to mean "no span starts here".
		pageClass: new Int8Array(pageCount).fill(-1),
		spans: new Array<SpanMeta | undefined>(pageCount),
		freeSlots: SIZE_CLASSES.map(() => new SlotStack()),
		slotsUsed: new Uint32Array(SIZE_CLASSES.length),
		slotsCarved: new Uint32Array(SIZE_CLASSES.length),
		spanLive: new Uint32Array(pageCount),
		pageFlags: new Uint8Array(pageCount),
	};
}

/** Pages for a span: from the cursor, else the pool's first run of `count`; -1 if neither. */
function claimPages(arena: Arena, count: number): number {
	if (arena.nextPage + count <= arena.pageCount) {
		const first = arena.nextPage;
		arena.nextPage += count;
		return first;
	}
	if (arena.pooledPages < count) return -1;
	let run = 0;
	for (let page = 0; page < arena.pageCount; page++) {
		if (((arena.pageFlags[page] as number) & POOLED) === 0) {
			run = 0;
			continue;
		}
		if (++run === count) {
			const first = page + 1 - count;
			for (let p = first; p <= page; p++) arena.pageFlags[p] = 0;
			arena.pooledPages -= count;
			return first;
		}
	}
	return -1;
}

/** The class of the span beginning at `page`, or -1 when none begins there. */
function spanClass(arena: Arena, page: number): number {
	if (!Number.isInteger(page) || page < 0 || page >= arena.pageCount) return -1;
	return arena.pageClass[page] as number;
}

/**
 * Takes a fresh span from the page cursor for `classIndex`. Keeps slot 0 for the caller
 * and stacks the rest so they pop as 1, 2, 3, ..., the order of the Zig free list.
 * Returns the caller's slot reference, or -1 when the arena has no pages left.
 */
function carveSpan(arena: Arena, classIndex: number): number {
	const c = sizeClass(classIndex);
	const firstPage = claimPages(arena, c.spanPages);
	if (firstPage < 0) return -1;
	arena.pageClass[firstPage] = classIndex;
	arena.spanLive[firstPage] = 0;
	// A page carved before keeps its slots' generations, as Zig's per-page metadata does:
	// a handle from the span given back must not come alive in the new one.
	const state = new Uint32Array(c.slotsPerSpan);
	const before = arena.spans[firstPage]?.state;
	if (before !== undefined) state.set(before.subarray(0, Math.min(before.length, state.length)));
	arena.spans[firstPage] = { state, len: new Uint32Array(c.slotsPerSpan) };
	arena.slotsCarved[classIndex] = (arena.slotsCarved[classIndex] as number) + c.slotsPerSpan;
	const firstRef = firstPage << SLOT_BITS;
	const stack = arena.freeSlots[classIndex] as SlotStack;
	for (let slot = c.slotsPerSpan - 1; slot >= 1; slot--) stack.push(firstRef | slot);
	return firstRef;
}

/**
 * The slot reference (page << 14 | slot) a handle names when it names a slot this arena
 * carved, else -1. Says nothing about whether the slot is live.
 */
function carvedRef(arena: Arena, handle: number): number {
	if (!Number.isInteger(handle) || handle < 0 || handle >= HANDLE_LIMIT) return -1;
	const ref = handle % REF_RANGE;
	const classIndex = Math.floor(handle / REF_RANGE) % CLASS_RANGE;
	const page = ref >>> SLOT_BITS;
	if (classIndex >= SIZE_CLASSES.length || page >= arena.pageCount) return -1;
	if (arena.pageClass[page] !== classIndex) return -1;
	if ((ref & SLOT_MASK) >= sizeClass(classIndex).slotsPerSpan) return -1;
	return ref;
}

/** The slot reference of a live object; StaleHandleError for anything else. */
function liveRef(arena: Arena, handle: number): number {
	const ref = carvedRef(arena, handle);
	if (ref < 0) throw new StaleHandleError(handle);
	const state = spanOf(arena, ref).state[ref & SLOT_MASK] as number;
	if ((state & ALLOCATED) === 0 || state >>> 1 !== Math.floor(handle / GEN_UNIT)) {
		throw new StaleHandleError(handle);
	}
	return ref;
}

/** Metadata of the span holding `ref`; only called with references carvedRef accepted. */
function spanOf(arena: Arena, ref: number): SpanMeta {
	return arena.spans[ref >>> SLOT_BITS] as SpanMeta;
}

function requestedLen(arena: Arena, ref: number): number {
	return spanOf(arena, ref).len[ref & SLOT_MASK] as number;
}

function byteOffset(arena: Arena, ref: number): number {
	const page = ref >>> SLOT_BITS;
	const slotSize = sizeClass(arena.pageClass[page] as number).size;
	return page * PAGE_SIZE + (ref & SLOT_MASK) * slotSize;
}

export class TsSlab implements Slab {
	readonly kind = "ts";
	readonly capacityBytes: number;
	private arena: Arena | null;
	readonly #spans: ArenaSpans;

	constructor(options: SlabOptions) {
		const capacity = options.capacityBytes;
		if (!Number.isInteger(capacity) || capacity < PAGE_SIZE) {
			throw new InvalidArgumentError(`capacity ${capacity} is not an integer of at least 1 MiB`);
		}
		const pages = Math.floor(capacity / PAGE_SIZE);
		if (pages > MAX_PAGES) {
			throw new InvalidArgumentError(`capacity ${capacity} exceeds ${MAX_PAGES} pages`);
		}
		this.capacityBytes = pages * PAGE_SIZE;
		const arena = createArena(this.capacityBytes);
		this.arena = arena;
		// Views over the one JS buffer (which the heap counts anyway): the same API as the FFI slab's.
		this.#spans = new ArenaSpans(
			pages,
			(first, count) => new Uint8Array(arena.buffer, first * PAGE_SIZE, count * PAGE_SIZE),
		);
	}

	alloc(size: number): SlabHandle {
		const result = this.tryAlloc(size);
		if (result >= 0) return result;
		switch (result) {
			case SlabErrorCode.InvalidArgument:
				throw new InvalidArgumentError(`size ${size} is not a non-negative integer`);
			case SlabErrorCode.ObjectTooLarge:
				throw new ObjectTooLargeError(size);
			default:
				throw new SlabFullError(size);
		}
	}

	tryAlloc(size: number): number {
		const arena = this.open();
		if (!isNonNegativeInteger(size)) return SlabErrorCode.InvalidArgument;
		const classIndex = classFor(size);
		if (classIndex < 0) return SlabErrorCode.ObjectTooLarge;
		let ref = arena.freeSlots[classIndex]?.pop() ?? -1;
		if (ref < 0) ref = carveSpan(arena, classIndex);
		if (ref < 0) return SlabErrorCode.SlabFull;
		const span = spanOf(arena, ref);
		const slot = ref & SLOT_MASK;
		const state = span.state[slot] as number;
		span.len[slot] = size;
		span.state[slot] = state | ALLOCATED;
		arena.slotsUsed[classIndex] = (arena.slotsUsed[classIndex] as number) + 1;
		const page = ref >>> SLOT_BITS;
		arena.spanLive[page] = (arena.spanLive[page] as number) + 1;
		arena.bytesRequested += size;
		return (state >>> 1) * GEN_UNIT + classIndex * REF_RANGE + ref;
	}

	free(handle: SlabHandle): void {
		const arena = this.open();
		const ref = carvedRef(arena, handle);
		if (ref < 0) throw new StaleHandleError(handle);
		const span = spanOf(arena, ref);
		const slot = ref & SLOT_MASK;
		const state = span.state[slot] as number;
		const stateGen = state >>> 1;
		const handleGen = Math.floor(handle / GEN_UNIT);
		if ((state & ALLOCATED) === 0) {
			// Freed and not handed out again: the generation moved on by exactly one.
			if (stateGen === ((handleGen + 1) & GEN_MASK)) throw new DoubleFreeError(handle);
			throw new StaleHandleError(handle);
		}
		if (stateGen !== handleGen) throw new StaleHandleError(handle);
		// Zig keeps 31 generation bits in the state word but compares only the low 16 that
		// a handle carries; keeping 16 here behaves identically.
		span.state[slot] = ((stateGen + 1) & GEN_MASK) << 1;
		const classIndex = arena.pageClass[ref >>> SLOT_BITS] as number;
		arena.slotsUsed[classIndex] = (arena.slotsUsed[classIndex] as number) - 1;
		arena.bytesRequested -= span.len[slot] as number;
		const page = ref >>> SLOT_BITS;
		arena.spanLive[page] = (arena.spanLive[page] as number) - 1;
		// A draining span's slots stay off the free list: its pages are leaving the class.
		if (((arena.pageFlags[page] as number) & DRAINING) === 0)
			arena.freeSlots[classIndex]?.push(ref);
	}

	write(handle: SlabHandle, offset: number, bytes: Uint8Array): void {
		const arena = this.open();
		if (!isNonNegativeInteger(offset)) {
			throw new InvalidArgumentError(`write offset ${offset} is not a non-negative integer`);
		}
		// The C ABI refuses offsets and lengths past the largest class before it looks at
		// the handle; checking in the same order keeps the two slabs' errors identical.
		if (offset > MAX_OBJECT || bytes.length > MAX_OBJECT) {
			throw new OutOfBoundsError(handle, offset, bytes.length);
		}
		const ref = liveRef(arena, handle);
		const len = requestedLen(arena, ref);
		if (offset > len || bytes.length > len - offset) {
			throw new OutOfBoundsError(handle, offset, bytes.length);
		}
		arena.bytes.set(bytes, byteOffset(arena, ref) + offset);
	}

	read(handle: SlabHandle): Uint8Array {
		const arena = this.open();
		const ref = liveRef(arena, handle);
		return new Uint8Array(arena.buffer, byteOffset(arena, ref), requestedLen(arena, ref));
	}

	size(handle: SlabHandle): number {
		const arena = this.open();
		return requestedLen(arena, liveRef(arena, handle));
	}

	spans(): ArenaSpans {
		this.open();
		return this.#spans;
	}

	reclaimCandidate(classIndex: number): number {
		const arena = this.open();
		if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= SIZE_CLASSES.length)
			return -1;
		const needed = sizeClass(classIndex).spanPages;
		let best = -1;
		let bestLive = Number.POSITIVE_INFINITY;
		for (let page = 0; page < arena.pageCount; page++) {
			const owner = arena.pageClass[page] as number;
			if (owner < 0 || owner === classIndex || sizeClass(owner).spanPages < needed) continue;
			if (((arena.pageFlags[page] as number) & DRAINING) !== 0) continue;
			const live = arena.spanLive[page] as number;
			if (live < bestLive) {
				best = page;
				bestLive = live;
			}
		}
		return best;
	}

	spanLive(page: number): number {
		const arena = this.open();
		if (spanClass(arena, page) < 0)
			throw new InvalidArgumentError(`no span begins at page ${page}`);
		return arena.spanLive[page] as number;
	}

	drainSpan(page: number): void {
		const arena = this.open();
		const classIndex = spanClass(arena, page);
		if (classIndex < 0 || ((arena.pageFlags[page] as number) & DRAINING) !== 0)
			throw new InvalidArgumentError(drainRefusal(page));
		arena.pageFlags[page] = (arena.pageFlags[page] as number) | DRAINING;
		arena.freeSlots[classIndex]?.removeWhere((ref) => ref >>> SLOT_BITS === page);
	}

	releaseSpan(page: number): void {
		const arena = this.open();
		const classIndex = spanClass(arena, page);
		if (
			classIndex < 0 ||
			((arena.pageFlags[page] as number) & DRAINING) === 0 ||
			arena.spanLive[page] !== 0
		)
			throw new InvalidArgumentError(releaseRefusal(page));
		const c = sizeClass(classIndex);
		arena.pageClass[page] = -1;
		for (let p = page; p < page + c.spanPages; p++) arena.pageFlags[p] = POOLED;
		arena.pooledPages += c.spanPages;
		arena.slotsCarved[classIndex] = (arena.slotsCarved[classIndex] as number) - c.slotsPerSpan;
		this.#spans.forget(page);
	}

	stats(): SlabStats {
		const arena = this.open();
		let bytesInUse = 0;
		const classes: SlabClassStats[] = SIZE_CLASSES.map((c, i) => {
			const used = arena.slotsUsed[i] as number;
			bytesInUse += used * c.size;
			return { size: c.size, slotsUsed: used, slotsFree: (arena.slotsCarved[i] as number) - used };
		});
		return {
			capacityBytes: this.capacityBytes,
			bytesInUse,
			bytesRequested: arena.bytesRequested,
			pagesUsed: arena.nextPage - arena.pooledPages,
			pagesTotal: arena.pageCount,
			classes,
		};
	}

	close(): void {
		if (this.arena === null) return;
		// Detaching (transfer to a zero-length buffer) frees the arena now rather than at
		// the next GC, and turns views still held from read() into empty ones instead of
		// windows onto memory the slab no longer manages. Node 20 lacks transfer(); a
		// structured clone that transfers the buffer detaches it the same way (the clone,
		// dropped at once, takes the memory without copying it).
		const buffer = this.arena.buffer;
		if (typeof buffer.transfer === "function") buffer.transfer(0);
		else structuredClone(buffer, { transfer: [buffer] });
		this.arena = null;
		this.#spans.close();
	}

	private open(): Arena {
		if (this.arena === null) throw new SlabClosedError();
		return this.arena;
	}
}
