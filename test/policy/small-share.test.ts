import { describe, expect, test } from "bun:test";
import { SmallShare } from "../../edge/policy/small-share.ts";

describe("SmallShare (ARC-style adaptation of S3-FIFO's split)", () => {
	test("starts at the paper's 10%", () => {
		expect(new SmallShare().value).toBeCloseTo(0.1);
	});

	test("a small-ghost hit grows the share by the object's size over capacity", () => {
		const share = new SmallShare();
		share.smallGhostHit(1, 100, 10, 10);
		expect(share.value).toBeCloseTo(0.11);
	});

	test("a main-ghost hit shrinks it by the same rule", () => {
		const share = new SmallShare();
		share.mainGhostHit(1, 100, 10, 10);
		expect(share.value).toBeCloseTo(0.09);
	});

	test("the step scales with how much rarer this kind of ghost hit is (ARC's delta)", () => {
		const grows = new SmallShare();
		grows.smallGhostHit(1, 100, 5, 20); // main's ghost 4x small's: step 4
		expect(grows.value).toBeCloseTo(0.14);
		const shrinks = new SmallShare();
		shrinks.mainGhostHit(1, 100, 30, 10); // small's ghost 3x main's: step 3
		expect(shrinks.value).toBeCloseTo(0.07);
	});

	test("byte-sized objects step by their size", () => {
		const share = new SmallShare();
		share.smallGhostHit(5_000, 100_000, 50_000, 50_000);
		expect(share.value).toBeCloseTo(0.15);
	});

	test("stays within its bounds however many hits come", () => {
		const share = new SmallShare({ minShare: 0.02, maxShare: 0.5 });
		for (let i = 0; i < 1000; i++) share.smallGhostHit(1, 10, 1, 1);
		expect(share.value).toBe(0.5);
		for (let i = 0; i < 1000; i++) share.mainGhostHit(1, 10, 1, 1);
		expect(share.value).toBe(0.02);
	});

	test("adaptive: false keeps the initial share (the paper's fixed split)", () => {
		const share = new SmallShare({ adaptive: false, initialShare: 0.25 });
		share.smallGhostHit(1, 10, 1, 1);
		share.mainGhostHit(1, 10, 1, 1);
		expect(share.value).toBe(0.25);
	});

	test("a zero capacity (an empty tier) changes nothing instead of dividing by zero", () => {
		const share = new SmallShare();
		share.smallGhostHit(1, 0, 0, 0);
		expect(share.value).toBeCloseTo(0.1);
	});

	test("bounds that leave no room for either FIFO are refused", () => {
		expect(() => new SmallShare({ minShare: 0 })).toThrow(RangeError);
		expect(() => new SmallShare({ maxShare: 1 })).toThrow(RangeError);
		expect(() => new SmallShare({ minShare: 0.5, maxShare: 0.4 })).toThrow(RangeError);
	});
});
