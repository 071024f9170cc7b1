/**
 * The slab's size classes, computed exactly as native/slab.zig computes them (a test
 * compares the two tables through bun:ffi). 8 steps per doubling from 64 B keeps the
 * internal waste of any object under 12.5%; 1 MiB is the largest class.
 */

export const PAGE_SIZE = 1 << 20;
export const MIN_OBJECT = 64;
export const MAX_OBJECT = 1 << 20;
export const MAX_PAGES = 1 << 16;
const STEPS_PER_DOUBLING = 8;
const MAX_SPAN_PAGES = 8;

/** Handle layout (53 bits, exact in a JS number): gen:16 | class:7 | page:16 | slot:14. */
export const SLOT_BITS = 14;
export const PAGE_BITS = 16;
export const CLASS_BITS = 7;
export const GEN_BITS = 16;

export interface SizeClass {
	/** Slot size in bytes. */
	readonly size: number;
	/** Whole pages per span: enough to keep the span's tail waste at or under 1/8. */
	readonly spanPages: number;
	readonly slotsPerSpan: number;
}

function makeClass(size: number): SizeClass {
	let pages = 1;
	for (; pages < MAX_SPAN_PAGES; pages++) {
		const span = pages * PAGE_SIZE;
		if ((span % size) * 8 <= span) break;
	}
	return { size, spanPages: pages, slotsPerSpan: Math.floor((pages * PAGE_SIZE) / size) };
}

function buildClasses(): readonly SizeClass[] {
	const table: SizeClass[] = [];
	for (let base = MIN_OBJECT; base < MAX_OBJECT; base *= 2) {
		for (let k = 0; k < STEPS_PER_DOUBLING; k++) {
			table.push(makeClass(base + k * (base / STEPS_PER_DOUBLING)));
		}
	}
	table.push(makeClass(MAX_OBJECT));
	return table;
}

export const SIZE_CLASSES: readonly SizeClass[] = buildClasses();

/** Index of the smallest class holding `size` bytes, or -1 above the largest. */
export function classFor(size: number): number {
	if (size > MAX_OBJECT) return -1;
	let lo = 0;
	let hi = SIZE_CLASSES.length - 1;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if ((SIZE_CLASSES[mid] as SizeClass).size >= size) hi = mid;
		else lo = mid + 1;
	}
	return lo;
}

/** The slot size an object of `size` bytes occupies (what byte gates should charge). */
export function slotSizeFor(size: number): number {
	const c = classFor(size);
	return c < 0 ? -1 : (SIZE_CLASSES[c] as SizeClass).size;
}

const REF_UNIT = 2 ** (PAGE_BITS + SLOT_BITS);
const CLASS_RANGE = 2 ** CLASS_BITS;
const SLOT_RANGE = 2 ** SLOT_BITS;

/** Size class index packed in a handle. */
export function classOfHandle(handle: number): number {
	return Math.floor(handle / REF_UNIT) % CLASS_RANGE;
}

/*
 * Where a handle's slot lies: its span starts at the page the handle names (a span is
 * 1-8 whole pages, see makeClass), and the slot at slot * class size within the span. Both
 * slabs lay spans out this way; it says nothing about whether the handle is live.
 */

/** The first page of the span holding a handle's slot: the page the handle names. */
export function spanStart(handle: number): number {
	return Math.floor((handle % REF_UNIT) / SLOT_RANGE);
}

/** A handle's slot offset from the start of its span. */
export function slotOffsetInSpan(handle: number): number {
	return (handle % SLOT_RANGE) * (SIZE_CLASSES[classOfHandle(handle)] as SizeClass).size;
}
