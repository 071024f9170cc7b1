/**
 * The slab contract shared by the bun:ffi binding (native/slab.ts) and the pure-TS
 * twin (native/slab-ts.ts). One test suite (test/native/slab-contract.ts) runs against both.
 *
 * Lifetime rule for reads: `read(handle)` returns a zero-copy view into the arena. The view
 * stays valid until `free(handle)` (or `close()`); after that the same bytes may belong to
 * another object. Callers that keep bytes past a free must copy them first.
 */
import type { ArenaSpans } from "./arena-spans.ts";

/** An opaque object handle: an integer below 2^53 packing gen, class, page and slot. */
export type SlabHandle = number;

export interface SlabClassStats {
	readonly size: number;
	readonly slotsUsed: number;
	/** Carved slots not in use: reusable by this class only. */
	readonly slotsFree: number;
}

export interface SlabStats {
	readonly capacityBytes: number;
	/** Slot bytes held by live objects (class size, not requested size). */
	readonly bytesInUse: number;
	/** Bytes requested by live objects. */
	readonly bytesRequested: number;
	/** Pages carved into spans now (released spans' pages not counted). */
	readonly pagesUsed: number;
	readonly pagesTotal: number;
	readonly classes: readonly SlabClassStats[];
}

export interface Slab {
	readonly kind: "ffi" | "ts";
	/** Arena size in bytes: the requested capacity rounded down to whole MiB pages. */
	readonly capacityBytes: number;
	/**
	 * Allocates room for `size` bytes (0 is allowed). Throws SlabFullError,
	 * ObjectTooLargeError, or InvalidArgumentError for a negative or non-integer size.
	 */
	alloc(size: number): SlabHandle;
	/**
	 * Like alloc, but returns a negative SlabErrorCode instead of throwing: for hot paths
	 * that expect SlabFull and react to it (eviction).
	 */
	tryAlloc(size: number): number;
	/** Throws StaleHandleError for a dead or foreign handle, DoubleFreeError when freed twice. */
	free(handle: SlabHandle): void;
	/** Copies `bytes` into the object at `offset`; throws OutOfBoundsError past the allocated size. */
	write(handle: SlabHandle, offset: number, bytes: Uint8Array): void;
	/** Zero-copy view of the object's bytes (its allocated size). Valid until free. */
	read(handle: SlabHandle): Uint8Array;
	/** Requested size of a live object; throws StaleHandleError otherwise. */
	size(handle: SlabHandle): number;
	/**
	 * The arena by span, for an owner that tracks its handles' lifetimes itself (the
	 * memory tier): `spanOf(handle)` at slotOffsetInSpan(handle) (size-classes.ts) is the
	 * slot, read and written with no per-call validation and no FFI. Unchecked by design:
	 * through a freed handle it reaches whatever now occupies the slot. Span views are made
	 * on first use and held weakly (arena-spans.ts says why). Unusable after close().
	 */
	spans(): ArenaSpans;
	stats(): SlabStats;
	/**
	 * Giving a span back, so pages taken by one class can serve another (slab.zig's header:
	 * calcification). For an owner that alone allocates and frees, as the memory tier does.
	 * `reclaimCandidate(classIndex)`: the first page of the span of another class with the
	 * fewest live objects and at least as many pages as a span of `classIndex` needs; -1
	 * when there is none.
	 */
	reclaimCandidate(classIndex: number): number;
	/** Live objects in the span beginning at `page`; InvalidArgumentError if none begins there. */
	spanLive(page: number): number;
	/**
	 * Takes the span's free slots off its class's free list: allocations of the class land
	 * elsewhere from now on, and slots of it freed later are not reused. InvalidArgumentError
	 * when no span begins at `page` or it is draining already.
	 */
	drainSpan(page: number): void;
	/**
	 * Returns a drained span with no live object to the free pages, for any class to carve;
	 * its handles stay dead. InvalidArgumentError when it is not drained or not empty.
	 */
	releaseSpan(page: number): void;
	/** Releases the arena. Every later call throws SlabClosedError. Idempotent. */
	close(): void;
}

export interface SlabOptions {
	/** Arena bytes, at least 1 MiB, at most 64 GiB; rounded down to whole MiB. */
	readonly capacityBytes: number;
}
