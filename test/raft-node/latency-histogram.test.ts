import { describe, expect, test } from "bun:test";
import { LatencyHistogram } from "../../cluster/raft-node/latency-histogram.ts";

/** Four buckets per doubling: a bucket spans a factor 2^(1/4), about 19%. */
const BUCKET_RATIO = 2 ** 0.25;

describe("LatencyHistogram", () => {
	test("nothing recorded: no percentiles, zero count", () => {
		expect(new LatencyHistogram().summary()).toEqual({
			count: 0,
			sumMs: 0,
			maxMs: 0,
			p50Ms: undefined,
			p90Ms: undefined,
			p99Ms: undefined,
		});
	});

	test("percentiles of 1..1000 ms fall within one bucket of the exact value", () => {
		const histogram = new LatencyHistogram();
		for (let ms = 1; ms <= 1000; ms++) histogram.record(ms);
		const summary = histogram.summary();
		expect(summary.count).toBe(1000);
		expect(summary.sumMs).toBe(500_500);
		for (const [got, exact] of [
			[summary.p50Ms, 500],
			[summary.p90Ms, 900],
			[summary.p99Ms, 990],
		] as const) {
			expect(got).toBeGreaterThan(exact / BUCKET_RATIO);
			expect(got).toBeLessThan(exact * BUCKET_RATIO);
		}
	});

	test("a percentile never exceeds the largest value seen; junk is ignored", () => {
		const histogram = new LatencyHistogram();
		histogram.record(0.3);
		histogram.record(Number.NaN);
		histogram.record(-1);
		histogram.record(Number.POSITIVE_INFINITY);
		expect(histogram.summary().count).toBe(1);
		expect(histogram.percentile(0.99)).toBeLessThanOrEqual(0.3);
		expect(histogram.percentile(0.99)).toBeGreaterThan(0.3 / BUCKET_RATIO);
	});

	test("values beyond either end land in the end buckets", () => {
		const histogram = new LatencyHistogram();
		histogram.record(0);
		histogram.record(1e9);
		expect(histogram.percentile(0.5)).toBeLessThan(0.002);
		expect(histogram.percentile(1)).toBeLessThanOrEqual(1e9);
		expect(histogram.summary().maxMs).toBe(1e9);
	});
});
