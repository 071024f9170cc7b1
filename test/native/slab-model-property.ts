/**
 * Property test of the slab contract: random alloc / write / free sequences run against a
 * model that is nothing but a map of live handle to expected bytes. Kept to a few seconds:
 * 100 runs of at most 60 operations on a 6 MiB arena, small enough that SlabFull happens.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { OutOfBoundsError, SlabError, SlabErrorCode, SlabFullError } from "../../native/errors.ts";
import { classFor, MAX_OBJECT, SIZE_CLASSES, slotSizeFor } from "../../native/size-classes.ts";
import type { Slab } from "../../native/slab-api.ts";
import { firstMismatch, type MakeSlab, MiB, slotRefOf, thrownBy } from "./slab-test-helpers.ts";

type Op =
	| { readonly kind: "alloc"; readonly size: number; readonly fill: number }
	| {
			readonly kind: "write";
			readonly pick: number;
			readonly at: number;
			readonly bytes: Uint8Array;
	  }
	| { readonly kind: "free"; readonly pick: number }
	| { readonly kind: "touchDead"; readonly pick: number };

// Mostly small objects, where classes share pages, with a tail of large ones that fill the
// arena and exercise SlabFull.
const sizeArb = fc.oneof(
	{ weight: 6, arbitrary: fc.integer({ min: 0, max: 2048 }) },
	{ weight: 3, arbitrary: fc.integer({ min: 2049, max: 64 * 1024 }) },
	{ weight: 1, arbitrary: fc.integer({ min: 64 * 1024 + 1, max: MAX_OBJECT }) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
	{
		weight: 4,
		arbitrary: fc.record({ kind: fc.constant("alloc"), size: sizeArb, fill: fc.nat({ max: 255 }) }),
	},
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant("write"),
			pick: fc.nat(),
			at: fc.nat(),
			bytes: fc.uint8Array({ minLength: 0, maxLength: 48 }),
		}),
	},
	{ weight: 3, arbitrary: fc.record({ kind: fc.constant("free"), pick: fc.nat() }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("touchDead"), pick: fc.nat() }) },
);

class SlabModel {
	/** Live handle to the bytes its object must hold. */
	readonly live = new Map<number, Uint8Array>();
	/** Every handle ever returned: none may come back within 2^16 reuses of a slot. */
	readonly issued = new Set<number>();
	readonly dead: number[] = [];
	/** Slot reference to the handle that last freed it, while the slot stays free. */
	readonly lastFreedBySlot = new Map<number, number>();

	constructor(readonly slab: Slab) {}

	apply(op: Op): void {
		switch (op.kind) {
			case "alloc":
				this.alloc(op.size, op.fill);
				break;
			case "write":
				this.write(op.pick, op.at, op.bytes);
				break;
			case "free":
				this.free(op.pick);
				break;
			case "touchDead":
				this.touchDead(op.pick);
				break;
		}
	}

	private alloc(size: number, fill: number): void {
		let handle: number;
		try {
			handle = this.slab.alloc(size);
		} catch (error) {
			expect(error).toBeInstanceOf(SlabFullError);
			this.expectNoRoomFor(size);
			return;
		}
		expect(Number.isSafeInteger(handle) && handle >= 0).toBe(true);
		expect(this.live.has(handle)).toBe(false);
		expect(this.issued.has(handle)).toBe(false);
		this.issued.add(handle);
		this.lastFreedBySlot.delete(slotRefOf(handle));
		// Reused slots hold old bytes, so the model fills each new object completely.
		const expected = new Uint8Array(size).fill(fill);
		this.slab.write(handle, 0, expected);
		this.live.set(handle, expected);
		this.expectReadsBack(handle);
	}

	private write(pick: number, at: number, bytes: Uint8Array): void {
		const handle = this.pickLive(pick);
		if (handle === undefined) return;
		const expected = this.live.get(handle) as Uint8Array;
		const offset = at % (expected.length + 1);
		if (offset + bytes.length > expected.length) {
			expect(thrownBy(() => this.slab.write(handle, offset, bytes))).toBeInstanceOf(
				OutOfBoundsError,
			);
		} else {
			this.slab.write(handle, offset, bytes);
			expected.set(bytes, offset);
		}
		this.expectReadsBack(handle);
	}

	private free(pick: number): void {
		const handle = this.pickLive(pick);
		if (handle === undefined) return;
		this.slab.free(handle);
		this.live.delete(handle);
		this.dead.push(handle);
		this.lastFreedBySlot.set(slotRefOf(handle), handle);
	}

	/** A dead handle is a double free while its slot stays free since it, else stale. */
	private touchDead(pick: number): void {
		if (this.dead.length === 0) return;
		const handle = this.dead[pick % this.dead.length] as number;
		const expectedCode =
			this.lastFreedBySlot.get(slotRefOf(handle)) === handle
				? SlabErrorCode.DoubleFree
				: SlabErrorCode.StaleHandle;
		const freeError = thrownBy(() => this.slab.free(handle));
		expect(freeError).toBeInstanceOf(SlabError);
		expect((freeError as SlabError).code).toBe(expectedCode);
		const readError = thrownBy(() => this.slab.read(handle));
		expect((readError as SlabError).code).toBe(SlabErrorCode.StaleHandle);
	}

	private pickLive(pick: number): number | undefined {
		if (this.live.size === 0) return undefined;
		return [...this.live.keys()][pick % this.live.size];
	}

	/** SlabFull is only right when the class has no free slot and no span fits the pages left. */
	private expectNoRoomFor(size: number): void {
		const classIndex = classFor(size);
		const stats = this.slab.stats();
		expect(stats.classes[classIndex]?.slotsFree).toBe(0);
		const spanPages = SIZE_CLASSES[classIndex]?.spanPages ?? 0;
		expect(stats.pagesUsed + spanPages).toBeGreaterThan(stats.pagesTotal);
	}

	expectReadsBack(handle: number): void {
		const expected = this.live.get(handle) as Uint8Array;
		expect(this.slab.size(handle)).toBe(expected.length);
		expect(firstMismatch(this.slab.read(handle), expected)).toBe(-1);
	}

	expectStatsMatch(): void {
		const stats = this.slab.stats();
		const usedByClass = new Array<number>(SIZE_CLASSES.length).fill(0);
		let bytesRequested = 0;
		let bytesInUse = 0;
		for (const expected of this.live.values()) {
			bytesRequested += expected.length;
			bytesInUse += slotSizeFor(expected.length);
			const classIndex = classFor(expected.length);
			usedByClass[classIndex] = (usedByClass[classIndex] ?? 0) + 1;
		}
		expect(stats.bytesRequested).toBe(bytesRequested);
		expect(stats.bytesInUse).toBe(bytesInUse);
		expect(stats.classes.map((c) => c.slotsUsed)).toEqual(usedByClass);
		// Carved slots account for exactly the pages taken from the cursor.
		let carvedPages = 0;
		for (const [i, c] of stats.classes.entries()) {
			const sizeClass = SIZE_CLASSES[i];
			if (sizeClass === undefined) throw new Error(`stats list unknown class ${i}`);
			const carved = c.slotsUsed + c.slotsFree;
			expect(carved % sizeClass.slotsPerSpan).toBe(0);
			carvedPages += (carved / sizeClass.slotsPerSpan) * sizeClass.spanPages;
		}
		expect(stats.pagesUsed).toBe(carvedPages);
		expect(stats.pagesUsed).toBeLessThanOrEqual(stats.pagesTotal);
	}
}

export function describeSlabModelProperty(make: MakeSlab): void {
	test("random alloc/write/free sequences agree with a map of live handles", () => {
		fc.assert(
			fc.property(
				// size "max": fast-check otherwise keeps arrays near 10 ops, whatever maxLength says.
				fc.array(opArb, { maxLength: 60, size: "max" }),
				(ops) => {
					const model = new SlabModel(make(6 * MiB));
					try {
						for (const op of ops) {
							model.apply(op);
							model.expectStatsMatch();
						}
						// Checked once at the end as well: overlapping slots would show up as one
						// object's writes landing in another.
						for (const handle of model.live.keys()) model.expectReadsBack(handle);
					} finally {
						model.slab.close();
					}
				},
			),
			{ numRuns: 100 },
		);
	});
}
