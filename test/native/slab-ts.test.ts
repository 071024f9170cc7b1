import { expect, test } from "bun:test";
import { TsSlab } from "../../native/slab-ts.ts";
import { describeSlabContract } from "./slab-contract.ts";
import { MiB } from "./slab-test-helpers.ts";

describeSlabContract("TsSlab", (capacityBytes) => new TsSlab({ capacityBytes }));

test("TsSlab reports kind ts", () => {
	const slab = new TsSlab({ capacityBytes: MiB });
	expect(slab.kind).toBe("ts");
	slab.close();
});

// TS-only: the FFI slab cannot detach views it handed out, so this is not in the contract.
test("TsSlab.close empties views still held from read()", () => {
	const slab = new TsSlab({ capacityBytes: MiB });
	const view = slab.read(slab.alloc(10));
	expect(view.length).toBe(10);
	slab.close();
	expect(view.length).toBe(0);
	expect(view[0]).toBeUndefined();
});

// Node 20 has no ArrayBuffer.prototype.transfer; close() must still detach (and not throw).
test("TsSlab.close empties held views where ArrayBuffer.prototype.transfer is missing", () => {
	const transfer = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "transfer");
	if (transfer === undefined) throw new Error("this runtime has no transfer() to hide");
	const slab = new TsSlab({ capacityBytes: MiB });
	const view = slab.read(slab.alloc(10));
	Reflect.deleteProperty(ArrayBuffer.prototype, "transfer");
	try {
		slab.close();
	} finally {
		Object.defineProperty(ArrayBuffer.prototype, "transfer", transfer);
	}
	expect(view.length).toBe(0);
});
