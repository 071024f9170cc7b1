import { describe, expect, test } from "bun:test";
import { SIZE_CLASSES } from "../../native/size-classes.ts";
import { FfiSlab, nativeClassSizes } from "../../native/slab.ts";
import { describeSlabContract } from "./slab-contract.ts";

describeSlabContract("FfiSlab", (capacityBytes) => new FfiSlab({ capacityBytes }));

describe("FfiSlab and the Zig library agree", () => {
	test("the TS size-class table equals the one compiled into libslab.so", () => {
		expect(nativeClassSizes()).toEqual(SIZE_CLASSES.map((c) => c.size));
	});

	test("reads are zero-copy views of the arena", () => {
		const slab = new FfiSlab({ capacityBytes: 2 ** 20 });
		const handle = slab.alloc(4);
		const view = slab.read(handle);
		slab.write(handle, 0, new Uint8Array([1, 2, 3, 4]));
		// Written after the view was taken: a copy would not see it.
		expect([...view]).toEqual([1, 2, 3, 4]);
		slab.close();
	});
});
