/**
 * The behaviour every Slab must show, run against each implementation (the Zig slab through
 * bun:ffi and the TypeScript twin). Expected handles are exact numbers: both slabs must hand
 * out the same handle for the same call sequence, so the layout and the slot order are
 * part of the contract, not an implementation detail.
 */
import { describe, expect, test } from "bun:test";
import {
	DoubleFreeError,
	InvalidArgumentError,
	ObjectTooLargeError,
	OutOfBoundsError,
	SlabClosedError,
	SlabErrorCode,
	SlabFullError,
	StaleHandleError,
} from "../../native/errors.ts";
import {
	classOfHandle,
	MAX_OBJECT,
	MAX_PAGES,
	SIZE_CLASSES,
	type SizeClass,
	slotOffsetInSpan,
} from "../../native/size-classes.ts";
import type { Slab } from "../../native/slab-api.ts";
import { describeSlabModelProperty } from "./slab-model-property.ts";
import {
	bytesOf,
	expectSlabError,
	firstMismatch,
	type MakeSlab,
	MiB,
	packHandle,
	slotRefOf,
	thrownBy,
	withSlab,
} from "./slab-test-helpers.ts";

// Size classes the tests lean on, spelled out so a change to the class table shows up here.
const CLASS_64 = 0;
const CLASS_104 = 5;
const SLOTS_104 = 10082;
const CLASS_1024 = 32;
const CLASS_2048 = 40;
/** 176 KiB: the first class whose span is two pages (11 slots). */
const CLASS_180224 = 91;
const CLASS_1M = 112;
const CLASS_COUNT = 113;

function expectStale(action: () => unknown): void {
	expectSlabError(action, StaleHandleError, SlabErrorCode.StaleHandle);
}

/** Names of the handle-taking methods that do not refuse `handle` with StaleHandleError. */
function methodsNotRefusingAsStale(slab: Slab, handle: number): string[] {
	const calls: [string, () => unknown][] = [
		["read", () => slab.read(handle)],
		["write", () => slab.write(handle, 0, bytesOf("x"))],
		["size", () => slab.size(handle)],
		["free", () => slab.free(handle)],
	];
	return calls
		.filter(([, call]) => {
			try {
				call();
				return true;
			} catch (error) {
				const stale = error instanceof StaleHandleError;
				return !(stale && error.code === SlabErrorCode.StaleHandle);
			}
		})
		.map(([method]) => method);
}

/** Every handle-taking method refuses `handle` as stale. */
function expectAllRefuseAsStale(slab: Slab, handle: number): void {
	expect(methodsNotRefusingAsStale(slab, handle)).toEqual([]);
}

export function describeSlabContract(name: string, make: MakeSlab): void {
	describe(`${name} slab contract`, () => {
		describe("construction", () => {
			test("capacity rounds down to whole 1 MiB pages", () => {
				withSlab(make, 3 * MiB + 12_345, (slab) => {
					expect(slab.capacityBytes).toBe(3 * MiB);
					expect(slab.stats().pagesTotal).toBe(3);
					expect(slab.stats().capacityBytes).toBe(3 * MiB);
				});
			});

			const invalidCapacities: [string, number][] = [
				["zero", 0],
				["one byte short of a page", MiB - 1],
				["negative", -MiB],
				["NaN", Number.NaN],
				["Infinity", Number.POSITIVE_INFINITY],
				["a fraction", 2 * MiB + 0.5],
				["more than MAX_PAGES pages", (MAX_PAGES + 1) * MiB],
			];
			for (const [label, capacity] of invalidCapacities) {
				test(`refuses a capacity that is ${label}`, () => {
					expectSlabError(
						() => make(capacity),
						InvalidArgumentError,
						SlabErrorCode.InvalidArgument,
					);
				});
			}
		});

		describe("handles", () => {
			test("pack gen:16|class:7|page:16|slot:14 and follow the Zig slot order", () => {
				withSlab(make, 4 * MiB, (slab) => {
					const first = slab.alloc(100);
					expect(first).toBe(packHandle({ gen: 0, classIndex: CLASS_104, page: 0, slot: 0 }));
					// A fresh span hands out slot 0, then 1, 2, ... in order.
					const second = slab.alloc(100);
					expect(second).toBe(packHandle({ gen: 0, classIndex: CLASS_104, page: 0, slot: 1 }));
					// Each new class carves the next page from the bump cursor.
					expect(slab.alloc(2000)).toBe(
						packHandle({ gen: 0, classIndex: CLASS_2048, page: 1, slot: 0 }),
					);
					// Freed slots are reused last-in first-out, one generation later.
					slab.free(second);
					const secondAgain = slab.alloc(100);
					expect(secondAgain).toBe(packHandle({ gen: 1, classIndex: CLASS_104, page: 0, slot: 1 }));
					slab.free(first);
					slab.free(secondAgain);
					expect(slab.alloc(100)).toBe(
						packHandle({ gen: 2, classIndex: CLASS_104, page: 0, slot: 1 }),
					);
					expect(slab.alloc(100)).toBe(
						packHandle({ gen: 1, classIndex: CLASS_104, page: 0, slot: 0 }),
					);
					expect(slab.alloc(MAX_OBJECT)).toBe(
						packHandle({ gen: 0, classIndex: CLASS_1M, page: 2, slot: 0 }),
					);
				});
			});

			test("tryAlloc returns the same handle alloc would", () => {
				withSlab(make, 2 * MiB, (slab) => {
					const handle = slab.tryAlloc(100);
					expect(handle).toBe(packHandle({ gen: 0, classIndex: CLASS_104, page: 0, slot: 0 }));
					expect(slab.size(handle)).toBe(100);
				});
			});

			test("a multi-page span takes all its pages from the cursor", () => {
				withSlab(make, 4 * MiB, (slab) => {
					expect(slab.alloc(180_224)).toBe(
						packHandle({ gen: 0, classIndex: CLASS_180224, page: 0, slot: 0 }),
					);
					expect(slab.stats().pagesUsed).toBe(2);
					expect(slab.alloc(64)).toBe(
						packHandle({ gen: 0, classIndex: CLASS_64, page: 2, slot: 0 }),
					);
					expect(slab.stats().pagesUsed).toBe(3);
				});
			});

			test("the generation wraps modulo 2^16, and the double-free rule wraps with it", () => {
				withSlab(make, MiB, (slab) => {
					const gen0 = slab.alloc(1);
					slab.free(gen0);
					for (let gen = 1; gen < 0xffff; gen++) slab.free(slab.alloc(1));
					const lastGen = slab.alloc(1);
					expect(lastGen).toBe(packHandle({ gen: 0xffff, classIndex: CLASS_64, page: 0, slot: 0 }));
					slab.free(lastGen);
					// The slot's generation is now 0 again: exactly one past 0xffff modulo 2^16.
					expectSlabError(() => slab.free(lastGen), DoubleFreeError, SlabErrorCode.DoubleFree);
					// 16 generation bits cannot tell a handle from one 2^16 reuses older.
					expect(slab.alloc(1)).toBe(gen0);
				});
			});
		});

		describe("bytes", () => {
			test("spanOf(handle) at slotOffsetInSpan(handle) is the same memory read() shows", () => {
				withSlab(make, 16 * MiB, (slab) => {
					const spans = slab.spans();
					// 180,000 B and 300,000 B take multi-page spans whose slots cross page bounds.
					for (const size of [0, 1, 100, 1024, 5000, 180_000, 300_000, MAX_OBJECT]) {
						for (let copy = 0; copy < 3; copy++) {
							const handle = slab.alloc(size);
							const span = spans.spanOf(handle);
							const sizeClass = SIZE_CLASSES[classOfHandle(handle)] as SizeClass;
							expect(span.byteLength).toBe(sizeClass.spanPages * MiB);
							const offset = slotOffsetInSpan(handle);
							expect(offset + sizeClass.size).toBeLessThanOrEqual(span.byteLength);
							slab.write(handle, 0, new Uint8Array(size).fill(size % 251));
							expect(firstMismatch(span.subarray(offset, offset + size), slab.read(handle))).toBe(
								-1,
							);
							// And the other way round: writing the span shows through read().
							if (size > 0) {
								span[offset + size - 1] = 7;
								expect(slab.read(handle)[size - 1]).toBe(7);
							}
						}
					}
				});
			});

			test("a span's view made again after the GC took the first shows the same bytes", () => {
				withSlab(make, 4 * MiB, (slab) => {
					const handle = slab.alloc(4096);
					slab.write(handle, 0, new Uint8Array(4096).fill(42));
					// Nothing keeps the first view: the GC may take it, and spanOf makes another.
					(() => slab.spans().spanOf(handle))();
					globalThis.Bun?.gc(true);
					const offset = slotOffsetInSpan(handle);
					const again = slab
						.spans()
						.spanOf(handle)
						.subarray(offset, offset + 4096);
					expect(again.every((b) => b === 42)).toBe(true);
				});
			});

			test("after close, spans hand out no view", () => {
				const slab = make(2 * MiB);
				const spans = slab.spans();
				const handle = slab.alloc(100);
				slab.close();
				expect(() => spans.spanOf(handle)).toThrow(SlabClosedError);
			});

			test("bytes written at several offsets read back in place", () => {
				withSlab(make, 2 * MiB, (slab) => {
					const handle = slab.alloc(1000);
					slab.write(handle, 0, bytesOf("hello"));
					slab.write(handle, 500, new Uint8Array([1, 2, 3]));
					slab.write(handle, 995, bytesOf("world"));
					const view = slab.read(handle);
					expect(view.length).toBe(1000);
					expect(new TextDecoder().decode(view.subarray(0, 5))).toBe("hello");
					expect([...view.subarray(500, 503)]).toEqual([1, 2, 3]);
					expect(new TextDecoder().decode(view.subarray(995))).toBe("world");
				});
			});

			test("a largest-class object round trips all of its bytes", () => {
				withSlab(make, MiB, (slab) => {
					const handle = slab.alloc(MAX_OBJECT);
					const pattern = new Uint8Array(MAX_OBJECT);
					for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 31 + 7) & 0xff;
					slab.write(handle, 0, pattern);
					expect(firstMismatch(slab.read(handle), pattern)).toBe(-1);
				});
			});

			test("read is a zero-copy view: later writes show through it", () => {
				withSlab(make, MiB, (slab) => {
					const handle = slab.alloc(10);
					const view = slab.read(handle);
					slab.write(handle, 3, new Uint8Array([9, 8]));
					expect(view[3]).toBe(9);
					expect(view[4]).toBe(8);
				});
			});

			test("neighbouring slots do not overlap", () => {
				withSlab(make, MiB, (slab) => {
					// 104 bytes fill a 104-byte slot exactly, so any overlap is seen.
					const left = slab.alloc(104);
					const right = slab.alloc(104);
					slab.write(left, 0, new Uint8Array(104).fill(0xaa));
					slab.write(right, 0, new Uint8Array(104).fill(0x55));
					expect(firstMismatch(slab.read(left), new Uint8Array(104).fill(0xaa))).toBe(-1);
					expect(firstMismatch(slab.read(right), new Uint8Array(104).fill(0x55))).toBe(-1);
				});
			});

			test("zero-length objects are real objects with no bytes", () => {
				withSlab(make, MiB, (slab) => {
					const first = slab.alloc(0);
					const second = slab.alloc(0);
					expect(second).not.toBe(first);
					expect(slab.size(first)).toBe(0);
					expect(slab.read(first).length).toBe(0);
					slab.write(first, 0, new Uint8Array(0));
					expectSlabError(
						() => slab.write(first, 0, new Uint8Array(1)),
						OutOfBoundsError,
						SlabErrorCode.OutOfBounds,
					);
					// They still take a 64-byte slot.
					expect(slab.stats().bytesInUse).toBe(128);
					expect(slab.stats().bytesRequested).toBe(0);
					slab.free(first);
					expectStale(() => slab.read(first));
					expect(slab.size(second)).toBe(0);
				});
			});

			test("writes past the requested size are refused and change nothing", () => {
				withSlab(make, MiB, (slab) => {
					const handle = slab.alloc(10);
					slab.write(handle, 0, new Uint8Array(10).fill(1));
					for (const [offset, length] of [
						[0, 11],
						[10, 1],
						[9, 2],
						[11, 0],
					] as const) {
						expectSlabError(
							() => slab.write(handle, offset, new Uint8Array(length).fill(2)),
							OutOfBoundsError,
							SlabErrorCode.OutOfBounds,
						);
					}
					expect([...slab.read(handle)]).toEqual(new Array(10).fill(1));
					// Writes ending exactly at the requested size are fine, even though the
					// 64-byte slot has room past it.
					slab.write(handle, 5, new Uint8Array(5).fill(3));
					slab.write(handle, 10, new Uint8Array(0));
					expect([...slab.read(handle)]).toEqual([1, 1, 1, 1, 1, 3, 3, 3, 3, 3]);
				});
			});

			test("write offsets that are not non-negative integers are invalid arguments", () => {
				withSlab(make, MiB, (slab) => {
					const handle = slab.alloc(10);
					for (const offset of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
						expectSlabError(
							() => slab.write(handle, offset, new Uint8Array(1)),
							InvalidArgumentError,
							SlabErrorCode.InvalidArgument,
						);
					}
				});
			});
		});

		describe("sizes", () => {
			test("size() and read() report the requested size, not the slot size", () => {
				withSlab(make, 8 * MiB, (slab) => {
					for (const requested of [0, 1, 63, 64, 65, 1000, 4097, MAX_OBJECT]) {
						const handle = slab.alloc(requested);
						expect(slab.size(handle)).toBe(requested);
						expect(slab.read(handle).length).toBe(requested);
					}
				});
			});

			test("objects above MAX_OBJECT are too large, for alloc and tryAlloc", () => {
				withSlab(make, 2 * MiB, (slab) => {
					expectSlabError(
						() => slab.alloc(MAX_OBJECT + 1),
						ObjectTooLargeError,
						SlabErrorCode.ObjectTooLarge,
					);
					expect(slab.tryAlloc(MAX_OBJECT + 1)).toBe(SlabErrorCode.ObjectTooLarge);
					expect(slab.tryAlloc(2 ** 60)).toBe(SlabErrorCode.ObjectTooLarge);
					expect(slab.size(slab.alloc(MAX_OBJECT))).toBe(MAX_OBJECT);
				});
			});

			for (const size of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
				test(`a size of ${size} is an invalid argument`, () => {
					withSlab(make, MiB, (slab) => {
						expectSlabError(
							() => slab.alloc(size),
							InvalidArgumentError,
							SlabErrorCode.InvalidArgument,
						);
						expect(slab.tryAlloc(size)).toBe(SlabErrorCode.InvalidArgument);
						expect(slab.stats().pagesUsed).toBe(0);
					});
				});
			}
		});

		describe("a full arena", () => {
			test("refuses with SlabFull until something is freed", () => {
				withSlab(make, 2 * MiB, (slab) => {
					const first = slab.alloc(MAX_OBJECT);
					slab.alloc(MAX_OBJECT);
					expectSlabError(() => slab.alloc(MAX_OBJECT), SlabFullError, SlabErrorCode.SlabFull);
					expect(slab.tryAlloc(MAX_OBJECT)).toBe(SlabErrorCode.SlabFull);
					// Too large is still told apart from full.
					expectSlabError(
						() => slab.alloc(MAX_OBJECT + 1),
						ObjectTooLargeError,
						SlabErrorCode.ObjectTooLarge,
					);
					slab.free(first);
					expect(slab.alloc(MAX_OBJECT)).toBe(
						packHandle({ gen: 1, classIndex: CLASS_1M, page: 0, slot: 0 }),
					);
				});
			});

			test("keeps a class's pages for that class even when its slots are all free", () => {
				withSlab(make, MiB, (slab) => {
					slab.free(slab.alloc(64));
					expectSlabError(() => slab.alloc(2000), SlabFullError, SlabErrorCode.SlabFull);
					const stats = slab.stats();
					expect(stats.classes[CLASS_64]).toEqual({ size: 64, slotsUsed: 0, slotsFree: 16_384 });
					expect(stats.classes[CLASS_2048]).toEqual({ size: 2048, slotsUsed: 0, slotsFree: 0 });
					expect(slab.alloc(64)).toBe(
						packHandle({ gen: 1, classIndex: CLASS_64, page: 0, slot: 0 }),
					);
				});
			});
		});

		describe("giving spans back", () => {
			test("a drained span with no live object goes back, and another class carves its pages", () => {
				withSlab(make, 2 * MiB, (slab) => {
					const small = slab.alloc(64);
					slab.alloc(MAX_OBJECT);
					expect(slab.tryAlloc(2000)).toBe(SlabErrorCode.SlabFull);
					// One live object on each page: the tie goes to the lower page.
					expect(slab.reclaimCandidate(CLASS_2048)).toBe(0);
					expect(slab.spanLive(0)).toBe(1);
					slab.drainSpan(0);
					// A draining span is no candidate, and its slots are not handed out.
					expect(slab.reclaimCandidate(CLASS_2048)).toBe(1);
					slab.free(small);
					expect(slab.spanLive(0)).toBe(0);
					expect(slab.tryAlloc(64)).toBe(SlabErrorCode.SlabFull);
					slab.releaseSpan(0);
					expect(slab.stats().pagesUsed).toBe(1);
					expect(slab.stats().classes[CLASS_64]).toEqual({ size: 64, slotsUsed: 0, slotsFree: 0 });
					expectAllRefuseAsStale(slab, small);
					// Slot 0 of page 0 keeps its generation, whichever class carves it.
					expect(slab.alloc(2000)).toBe(
						packHandle({ gen: 1, classIndex: CLASS_2048, page: 0, slot: 0 }),
					);
					expect(slab.stats().pagesUsed).toBe(2);
				});
			});

			test("a handle from a given-back span stays dead when its class carves the page again", () => {
				withSlab(make, MiB, (slab) => {
					const old = slab.alloc(64);
					slab.drainSpan(0);
					slab.free(old);
					slab.releaseSpan(0);
					const again = slab.alloc(64);
					// The slot's generation carried over: the old handle does not come alive.
					expect(again).toBe(packHandle({ gen: 1, classIndex: CLASS_64, page: 0, slot: 0 }));
					expectAllRefuseAsStale(slab, old);
				});
			});

			test("draining keeps the class's other free slots, in their order", () => {
				withSlab(make, 3 * MiB, (slab) => {
					const size = 256 * 1024; // four slots a page
					const handles = Array.from({ length: 8 }, () => slab.alloc(size));
					for (const handle of handles) slab.free(handle);
					slab.drainSpan(0);
					const next = Array.from({ length: 4 }, () => slotRefOf(slab.alloc(size)));
					expect(next).toEqual([7, 6, 5, 4].map((i) => slotRefOf(handles[i] as number)));
					expect(slab.tryAlloc(size)).toBe(
						packHandle({
							gen: 0,
							classIndex: classOfHandle(handles[0] as number),
							page: 2,
							slot: 0,
						}),
					);
				});
			});

			test("a multi-page span gives back all its pages, and a class needing more finds none", () => {
				withSlab(make, 2 * MiB, (slab) => {
					const twoPages = slab.alloc(180_224);
					expect(slab.reclaimCandidate(CLASS_1M)).toBe(0);
					expect(slab.reclaimCandidate(CLASS_180224)).toBe(-1);
					slab.drainSpan(0);
					slab.free(twoPages);
					slab.releaseSpan(0);
					expect(slab.alloc(MAX_OBJECT)).toBe(
						packHandle({ gen: 1, classIndex: CLASS_1M, page: 0, slot: 0 }),
					);
					expect(slab.alloc(MAX_OBJECT)).toBe(
						packHandle({ gen: 0, classIndex: CLASS_1M, page: 1, slot: 0 }),
					);
					// One page-long spans are too short for a two-page class.
					expect(slab.reclaimCandidate(CLASS_180224)).toBe(-1);
				});
			});

			test("bad pages and wrong states are refused and change nothing", () => {
				withSlab(make, 3 * MiB, (slab) => {
					const live = slab.alloc(180_224); // pages 0-1
					const refusals: [string, () => unknown][] = [
						["spanLive inside a span", () => slab.spanLive(1)],
						["spanLive past the arena", () => slab.spanLive(3)],
						["spanLive of a fraction", () => slab.spanLive(0.5)],
						["drain inside a span", () => slab.drainSpan(1)],
						["drain of a page never carved", () => slab.drainSpan(2)],
						["drain of a negative page", () => slab.drainSpan(-1)],
						["release of a span not drained", () => slab.releaseSpan(0)],
					];
					for (const [what, call] of refusals) {
						const error = thrownBy(call);
						expect({ what, invalid: error instanceof InvalidArgumentError }).toEqual({
							what,
							invalid: true,
						});
					}
					slab.drainSpan(0);
					expect(thrownBy(() => slab.drainSpan(0))).toBeInstanceOf(InvalidArgumentError);
					expect(thrownBy(() => slab.releaseSpan(0))).toBeInstanceOf(InvalidArgumentError);
					expect(slab.size(live)).toBe(180_224);
					expect(slab.spanLive(0)).toBe(1);
					expect(slab.reclaimCandidate(-1)).toBe(-1);
					expect(slab.reclaimCandidate(CLASS_COUNT)).toBe(-1);
				});
			});
		});

		describe("stale handles", () => {
			test("a freed handle is stale everywhere and a second free is a double free", () => {
				withSlab(make, MiB, (slab) => {
					const handle = slab.alloc(10);
					slab.free(handle);
					expectStale(() => slab.read(handle));
					expectStale(() => slab.write(handle, 0, bytesOf("x")));
					expectStale(() => slab.size(handle));
					expectSlabError(() => slab.free(handle), DoubleFreeError, SlabErrorCode.DoubleFree);
					// Refused frees change no accounting.
					expect(slab.stats().bytesRequested).toBe(0);
					expect(slab.stats().classes[CLASS_64]?.slotsUsed).toBe(0);
				});
			});

			test("a reused slot gets a new handle and the old one stays refused", () => {
				withSlab(make, MiB, (slab) => {
					const old = slab.alloc(100);
					slab.free(old);
					const reused = slab.alloc(100);
					expect(reused).not.toBe(old);
					expect(slotRefOf(reused)).toBe(slotRefOf(old));
					slab.write(reused, 0, bytesOf("new"));
					// Once the slot is live again the old handle is merely stale, not a double free.
					expectAllRefuseAsStale(slab, old);
					expect(slab.size(reused)).toBe(100);
					expect(new TextDecoder().decode(slab.read(reused).subarray(0, 3))).toBe("new");
					slab.free(reused);
					expectSlabError(() => slab.free(reused), DoubleFreeError, SlabErrorCode.DoubleFree);
					// Two generations behind: stale, not a double free.
					expectStale(() => slab.free(old));
				});
			});

			test("handles that name no live slot are stale, and refusing them changes nothing", () => {
				withSlab(make, 4 * MiB, (slab) => {
					const first = slab.alloc(100);
					const second = slab.alloc(100);
					slab.alloc(180_224);
					slab.write(first, 0, bytesOf("first"));
					const before = slab.stats();
					const garbage: [string, number][] = [
						["negative", -1],
						["NaN", Number.NaN],
						["Infinity", Number.POSITIVE_INFINITY],
						["2^53", 2 ** 53],
						["2^60", 2 ** 60],
						["2^53 - 1", 2 ** 53 - 1],
						["not an integer", first + 0.5],
						["a later generation", first + 2 ** 37],
						[
							"a page never carved",
							packHandle({ gen: 0, classIndex: CLASS_104, page: 3, slot: 0 }),
						],
						[
							"a page past the arena",
							packHandle({ gen: 0, classIndex: CLASS_104, page: 4, slot: 0 }),
						],
						[
							"a class other than the page's",
							packHandle({ gen: 0, classIndex: CLASS_64, page: 0, slot: 0 }),
						],
						[
							"a class past the table",
							packHandle({ gen: 0, classIndex: CLASS_COUNT, page: 0, slot: 0 }),
						],
						[
							"a slot past the span",
							packHandle({ gen: 0, classIndex: CLASS_104, page: 0, slot: SLOTS_104 }),
						],
						// Would read as "freed one generation later" (a double free) if the slot
						// range went unchecked and its state word read as zero.
						[
							"a slot past the span at generation 0xffff",
							packHandle({ gen: 0xffff, classIndex: CLASS_104, page: 0, slot: SLOTS_104 }),
						],
						[
							"a page inside a two-page span",
							packHandle({ gen: 0, classIndex: CLASS_180224, page: 2, slot: 0 }),
						],
						[
							"a carved slot never handed out",
							packHandle({ gen: 0, classIndex: CLASS_104, page: 0, slot: 2 }),
						],
					];
					for (const [label, handle] of garbage) {
						// The label names the failing handle in the diff.
						expect({ label, notStale: methodsNotRefusingAsStale(slab, handle) }).toEqual({
							label,
							notStale: [],
						});
					}
					expect(slab.stats()).toEqual(before);
					expect(new TextDecoder().decode(slab.read(first).subarray(0, 5))).toBe("first");
					expect(slab.size(second)).toBe(100);
				});
			});
		});

		describe("stats", () => {
			test("a fresh slab has every class listed and nothing in use", () => {
				withSlab(make, 4 * MiB, (slab) => {
					const stats = slab.stats();
					expect(stats.capacityBytes).toBe(4 * MiB);
					expect(stats.bytesInUse).toBe(0);
					expect(stats.bytesRequested).toBe(0);
					expect(stats.pagesUsed).toBe(0);
					expect(stats.pagesTotal).toBe(4);
					expect(stats.classes.length).toBe(CLASS_COUNT);
					expect(stats.classes.slice(0, 8).map((c) => c.size)).toEqual([
						64, 72, 80, 88, 96, 104, 112, 120,
					]);
					expect(stats.classes[CLASS_1M]?.size).toBe(MiB);
					expect(stats.classes.every((c) => c.slotsUsed === 0 && c.slotsFree === 0)).toBe(true);
				});
			});

			test("allocs and frees move slot bytes, requested bytes, classes and pages", () => {
				withSlab(make, 4 * MiB, (slab) => {
					const small = slab.alloc(100);
					slab.alloc(1000);
					slab.alloc(0);
					let stats = slab.stats();
					expect(stats.bytesInUse).toBe(104 + 1024 + 64);
					expect(stats.bytesRequested).toBe(1100);
					expect(stats.pagesUsed).toBe(3);
					expect(stats.classes[CLASS_104]).toEqual({ size: 104, slotsUsed: 1, slotsFree: 10_081 });
					expect(stats.classes[CLASS_1024]).toEqual({ size: 1024, slotsUsed: 1, slotsFree: 1023 });
					expect(stats.classes[CLASS_64]).toEqual({ size: 64, slotsUsed: 1, slotsFree: 16_383 });
					expect(stats.classes.filter((c) => c.slotsUsed + c.slotsFree > 0).length).toBe(3);

					slab.free(small);
					stats = slab.stats();
					expect(stats.bytesInUse).toBe(1024 + 64);
					expect(stats.bytesRequested).toBe(1000);
					expect(stats.classes[CLASS_104]).toEqual({ size: 104, slotsUsed: 0, slotsFree: 10_082 });
					// Spans never return their pages.
					expect(stats.pagesUsed).toBe(3);
				});
			});
		});

		describe("close", () => {
			test("every method throws SlabClosedError afterwards, and close is idempotent", () => {
				const slab = make(MiB);
				const handle = slab.alloc(10);
				slab.close();
				const calls: [string, () => unknown][] = [
					["alloc", () => slab.alloc(10)],
					["tryAlloc", () => slab.tryAlloc(10)],
					["free", () => slab.free(handle)],
					["write", () => slab.write(handle, 0, bytesOf("x"))],
					["read", () => slab.read(handle)],
					["size", () => slab.size(handle)],
					["stats", () => slab.stats()],
					["spans", () => slab.spans()],
					["reclaimCandidate", () => slab.reclaimCandidate(CLASS_64)],
					["spanLive", () => slab.spanLive(0)],
					["drainSpan", () => slab.drainSpan(0)],
					["releaseSpan", () => slab.releaseSpan(0)],
				];
				for (const [method, call] of calls) {
					const error = thrownBy(call);
					expect({ method, closed: error instanceof SlabClosedError }).toEqual({
						method,
						closed: true,
					});
				}
				expect(() => slab.close()).not.toThrow();
				expect(thrownBy(() => slab.alloc(10))).toBeInstanceOf(SlabClosedError);
			});
		});

		describeSlabModelProperty(make);
	});
}
