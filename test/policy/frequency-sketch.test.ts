import { describe, expect, test } from "bun:test";
import { FrequencySketch } from "../../edge/policy/frequency-sketch.ts";

describe("FrequencySketch", () => {
	test("counts each key's increments and starts at zero", () => {
		const sketch = new FrequencySketch(1024);
		expect(sketch.frequency(7)).toBe(0);
		for (let i = 0; i < 3; i++) sketch.increment(7);
		sketch.increment(8);
		expect(sketch.frequency(7)).toBe(3);
		expect(sketch.frequency(8)).toBe(1);
	});

	test("saturates at 15, the largest 4-bit count", () => {
		const sketch = new FrequencySketch(1024);
		for (let i = 0; i < 40; i++) sketch.increment(42);
		expect(sketch.frequency(42)).toBe(15);
	});

	test("halving divides every count by two, rounding down", () => {
		const sketch = new FrequencySketch(1024);
		for (let i = 0; i < 15; i++) sketch.increment(1);
		for (let i = 0; i < 8; i++) sketch.increment(2);
		sketch.increment(3);
		sketch.halve();
		expect(sketch.frequency(1)).toBe(7);
		expect(sketch.frequency(2)).toBe(4);
		expect(sketch.frequency(3)).toBe(0);
	});

	test("halves by itself once a sample's worth of increments has been seen", () => {
		const sketch = new FrequencySketch(64, 1);
		expect(sketch.sampleSize).toBe(64);
		for (let i = 0; i < 12; i++) sketch.increment(5);
		// 52 more distinct keys bring the increments to the sample size of 64.
		for (let key = 1000; key < 1052; key++) sketch.increment(key);
		expect(sketch.frequency(5)).toBe(6);
	});
});
