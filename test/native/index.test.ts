import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createSlab, hasBunFfi } from "../../native/index.ts";

const MiB = 2 ** 20;

describe("createSlab", () => {
	let saved: string | undefined;
	beforeEach(() => {
		saved = process.env.NEURO_SLAB;
		delete process.env.NEURO_SLAB;
	});
	afterEach(() => {
		if (saved === undefined) delete process.env.NEURO_SLAB;
		else process.env.NEURO_SLAB = saved;
	});

	test("bun:ffi is available under bun test", () => {
		expect(hasBunFfi()).toBe(true);
	});

	test('"auto" on Bun gives the native slab', async () => {
		const slab = await createSlab({ capacityBytes: MiB, implementation: "auto" });
		try {
			expect(slab.kind).toBe("ffi");
			expect(slab.capacityBytes).toBe(MiB);
		} finally {
			slab.close();
		}
	});

	test("no implementation means auto", async () => {
		const slab = await createSlab({ capacityBytes: MiB });
		try {
			expect(slab.kind).toBe("ffi");
		} finally {
			slab.close();
		}
	});

	test('"ts" gives the TypeScript slab', async () => {
		const slab = await createSlab({ capacityBytes: 2 * MiB, implementation: "ts" });
		try {
			expect(slab.kind).toBe("ts");
			expect(slab.capacityBytes).toBe(2 * MiB);
		} finally {
			slab.close();
		}
	});

	test("NEURO_SLAB=ts turns auto into the TypeScript slab", async () => {
		process.env.NEURO_SLAB = "ts";
		const slab = await createSlab({ capacityBytes: MiB, implementation: "auto" });
		try {
			expect(slab.kind).toBe("ts");
		} finally {
			slab.close();
		}
	});

	test("NEURO_SLAB=auto or empty leaves auto alone", async () => {
		for (const value of ["auto", ""]) {
			process.env.NEURO_SLAB = value;
			const slab = await createSlab({ capacityBytes: MiB });
			try {
				expect(slab.kind).toBe("ffi");
			} finally {
				slab.close();
			}
		}
	});

	test("an unknown NEURO_SLAB value is refused, naming the variable", async () => {
		process.env.NEURO_SLAB = "bogus";
		await expect(createSlab({ capacityBytes: MiB, implementation: "auto" })).rejects.toThrow(
			/NEURO_SLAB/,
		);
		await expect(createSlab({ capacityBytes: MiB })).rejects.toThrow(
			'NEURO_SLAB must be "ffi", "ts" or "auto", got "bogus"',
		);
	});

	test("an explicit implementation ignores NEURO_SLAB", async () => {
		process.env.NEURO_SLAB = "ts";
		const native = await createSlab({ capacityBytes: MiB, implementation: "ffi" });
		try {
			expect(native.kind).toBe("ffi");
		} finally {
			native.close();
		}
		process.env.NEURO_SLAB = "bogus";
		const twin = await createSlab({ capacityBytes: MiB, implementation: "ts" });
		try {
			expect(twin.kind).toBe("ts");
		} finally {
			twin.close();
		}
	});
});
