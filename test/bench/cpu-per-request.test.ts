import { describe, expect, test } from "bun:test";
import { cpuMicrosPerRequest, parseCpuSample } from "../../scripts/bench-edge/cpu-per-request.ts";

describe("CPU per request in the edge benchmark", () => {
	test("ticks over a run divided by the requests wrk counted", () => {
		// 1,000 ticks at 100 Hz is 10 s of CPU; over a million requests, 10 µs each.
		const sample = parseCpuSample("1000 100\n");
		expect(sample).toEqual({ ticks: 1000, ticksPerSecond: 100 });
		expect(cpuMicrosPerRequest(sample, 1_000_000)).toBeCloseTo(10, 9);
	});

	test("a run that used no measurable CPU is zero, not unknown", () => {
		expect(cpuMicrosPerRequest(parseCpuSample("0 100"), 500)).toBe(0);
	});

	test("an unreadable sample or a run without requests is unknown", () => {
		for (const text of ["", "100", "-5 100", "5 0", "1.5 100", "5 100 7", "x 100"])
			expect(parseCpuSample(text)).toBeUndefined();
		expect(cpuMicrosPerRequest(undefined, 1000)).toBeUndefined();
		expect(cpuMicrosPerRequest({ ticks: 10, ticksPerSecond: 100 }, 0)).toBeUndefined();
	});
});
