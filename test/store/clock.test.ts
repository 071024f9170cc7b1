import { describe, expect, test } from "bun:test";
import { coarseClock, ManualClock, systemClock } from "../../edge/store/clock.ts";

describe("ManualClock", () => {
	test("starts at zero unless given a start time", () => {
		expect(new ManualClock().now()).toBe(0);
		expect(new ManualClock(1_700_000_000_000).now()).toBe(1_700_000_000_000);
	});

	test("advance moves time forward by the given milliseconds", () => {
		const clock = new ManualClock(100);
		clock.advance(50);
		expect(clock.now()).toBe(150);
		clock.advance(0);
		expect(clock.now()).toBe(150);
		clock.advance(0.5);
		expect(clock.now()).toBe(150.5);
	});

	test("set jumps to any time, backwards included", () => {
		const clock = new ManualClock(500);
		clock.set(10);
		expect(clock.now()).toBe(10);
		clock.advance(5);
		expect(clock.now()).toBe(15);
	});

	test("advance by a negative amount or NaN throws and leaves time unchanged", () => {
		const clock = new ManualClock(42);
		expect(() => clock.advance(-1)).toThrow(RangeError);
		expect(clock.now()).toBe(42);
		expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
		expect(clock.now()).toBe(42);
		expect(() => clock.advance(Number.NEGATIVE_INFINITY)).toThrow(/cannot move by -Infinity ms/);
		expect(clock.now()).toBe(42);
	});
});

describe("systemClock", () => {
	test("reads the wall clock", () => {
		const before = Date.now();
		const now = systemClock.now();
		const after = Date.now();
		expect(now).toBeGreaterThanOrEqual(before);
		expect(now).toBeLessThanOrEqual(after);
	});
});

describe("coarseClock", () => {
	test("starts at the current wall-clock time and can be stopped", () => {
		const before = Date.now();
		const clock = coarseClock();
		const after = Date.now();
		try {
			const now = clock.now();
			expect(Number.isInteger(now)).toBe(true);
			expect(now).toBeGreaterThanOrEqual(before);
			expect(now).toBeLessThanOrEqual(after);
			// Within one synchronous burst the coarse time stands still.
			expect(clock.now()).toBe(now);
		} finally {
			clock.stop();
		}
		// Stopping twice is harmless.
		clock.stop();
	});
});
