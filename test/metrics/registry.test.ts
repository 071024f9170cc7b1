import { describe, expect, test } from "bun:test";
import { Registry } from "../../edge/metrics/registry.ts";

describe("Prometheus registry", () => {
	test("counters render with sorted, escaped labels", () => {
		const registry = new Registry();
		const requests = registry.counter("neuro_requests_total", "Requests served.", ["pop", "host"]);
		requests.inc({ pop: "ams", host: "a.example" });
		requests.inc({ host: "a.example", pop: "ams" }, 2);
		requests.inc({ pop: "fra", host: 'we"ird\\host\n' });
		expect(registry.render()).toBe(
			[
				"# HELP neuro_requests_total Requests served.",
				"# TYPE neuro_requests_total counter",
				'neuro_requests_total{host="a.example",pop="ams"} 3',
				'neuro_requests_total{host="we\\"ird\\\\host\\n",pop="fra"} 1',
				"",
			].join("\n"),
		);
		expect(requests.get({ pop: "ams", host: "a.example" })).toBe(3);
	});

	test("histograms are cumulative with +Inf, sum and count", () => {
		const registry = new Registry();
		const latency = registry.histogram(
			"neuro_origin_seconds",
			"Origin latency.",
			["pop"],
			[0.1, 0.01, 1],
		);
		for (const v of [0.005, 0.05, 0.05, 0.5, 3]) latency.observe({ pop: "ams" }, v);
		const text = registry.render();
		expect(text).toContain('neuro_origin_seconds_bucket{pop="ams",le="0.01"} 1');
		expect(text).toContain('neuro_origin_seconds_bucket{pop="ams",le="0.1"} 3');
		expect(text).toContain('neuro_origin_seconds_bucket{pop="ams",le="1"} 4');
		expect(text).toContain('neuro_origin_seconds_bucket{pop="ams",le="+Inf"} 5');
		expect(text).toContain('neuro_origin_seconds_sum{pop="ams"} 3.605');
		expect(text).toContain('neuro_origin_seconds_count{pop="ams"} 5');
	});

	test("gauges take the last value", () => {
		const registry = new Registry();
		const bytes = registry.gauge("neuro_stored_bytes", "Bytes stored.", ["tier"]);
		bytes.set({ tier: "l0" }, 10);
		bytes.set({ tier: "l0" }, 7);
		expect(bytes.get({ tier: "l0" })).toBe(7);
		expect(registry.render()).toContain('neuro_stored_bytes{tier="l0"} 7');
	});

	test("misuse is refused with the metric named", () => {
		const registry = new Registry();
		const c = registry.counter("c_total", "c", ["pop"]);
		expect(() => c.inc({})).toThrow("c_total takes labels [pop]");
		expect(() => c.inc({ pop: "a", extra: "b" })).toThrow("c_total takes labels [pop]");
		expect(() => c.inc({ pop: "a" }, -1)).toThrow("a counter only goes up");
		expect(() => registry.counter("c_total", "again")).toThrow("registered twice");
		expect(() => registry.counter("bad-name", "x")).toThrow("invalid metric name");
		expect(() => registry.counter("ok", "x", ["le"])).toThrow("invalid label name");
		expect(() => registry.histogram("h", "x", [], [])).toThrow(
			"buckets must be distinct finite numbers",
		);
		expect(() => registry.histogram("h2", "x", [], [1, 1])).toThrow(
			"buckets must be distinct finite numbers",
		);
	});
});
