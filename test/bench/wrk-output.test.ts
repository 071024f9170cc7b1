import { describe, expect, test } from "bun:test";
import {
	durationToMs,
	parseWrkOutput,
	WrkOutputError,
} from "../../scripts/bench-edge/wrk-output.ts";

// Captured from `wrk -t2 -c64 -d2s --latency` against scripts/bench-edge/ceiling.ts.
const CAPTURED = `Running 2s test @ http://127.0.0.1:18999/bytes/1024
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.77ms    1.18ms  12.55ms   83.53%
    Req/Sec    18.93k     3.28k   24.73k    62.50%
  Latency Distribution
     50%    1.42ms
     75%    2.02ms
     90%    3.08ms
     99%    6.50ms
  75509 requests in 2.01s, 84.90MB read
Requests/sec:  37630.04
Transfer/sec:     42.31MB
`;

// The same shape with a microsecond p99, errors and non-2xx responses, as wrk prints them.
const WITH_ERRORS = `Running 10s test @ http://127.0.0.1:18082/bytes/1024
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   412.00us  101.00us   3.10ms   90.00%
    Req/Sec    70.01k     2.00k   75.00k    70.00%
  Latency Distribution
     50%  400.00us
     75%  450.00us
     90%  520.00us
     99%  870.50us
  1393000 requests in 10.00s, 1.50GB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 17
Requests/sec: 139300.00
Transfer/sec:    153.40MB
`;

describe("wrk output", () => {
	test("reads req/s and p99 from captured output", () => {
		expect(parseWrkOutput(CAPTURED)).toEqual({
			requestsPerSec: 37630.04,
			requests: 75509,
			p99Ms: 6.5,
			non2xx3xx: 0,
			socketErrors: 0,
		});
	});

	test("converts microseconds and counts errors and non-2xx responses", () => {
		const figures = parseWrkOutput(WITH_ERRORS);
		expect(figures.p99Ms).toBeCloseTo(0.8705, 6);
		expect(figures.requestsPerSec).toBe(139300);
		expect(figures.requests).toBe(1393000);
		expect(figures.socketErrors).toBe(6);
		expect(figures.non2xx3xx).toBe(17);
	});

	test("durations in us, ms, s and m", () => {
		expect(durationToMs("250.00us")).toBeCloseTo(0.25, 9);
		expect(durationToMs("6.50ms")).toBe(6.5);
		expect(durationToMs("1.02s")).toBe(1020);
		expect(durationToMs("2.00m")).toBe(120_000);
		expect(() => durationToMs("6.50 ms")).toThrow(WrkOutputError);
		expect(() => durationToMs("fast")).toThrow(/unreadable wrk duration "fast"/);
	});

	test("empty output is a clear error", () => {
		expect(() => parseWrkOutput("")).toThrow(/no "Requests\/sec:" line.*\(empty output\)/);
	});

	test("output cut off before the summary is a clear error", () => {
		const truncated = CAPTURED.slice(0, CAPTURED.indexOf("  75509 requests"));
		expect(() => parseWrkOutput(truncated)).toThrow(WrkOutputError);
		expect(() => parseWrkOutput(truncated)).toThrow(/no "Requests\/sec:" line/);
	});

	test("output without its request count is a clear error", () => {
		const withoutCount = CAPTURED.replace("  75509 requests in 2.01s, 84.90MB read\n", "");
		expect(() => parseWrkOutput(withoutCount)).toThrow(/no "N requests in" line/);
	});

	test("output without --latency is a clear error", () => {
		const withoutLatency = CAPTURED.replace(/ {2}Latency Distribution[\s\S]*?(?= {2}75509)/, "");
		expect(() => parseWrkOutput(withoutLatency)).toThrow(/was --latency given\?/);
	});

	test("a distribution without its 99% line is a clear error", () => {
		const without99 = CAPTURED.replace("     99%    6.50ms\n", "");
		expect(() => parseWrkOutput(without99)).toThrow(/no 99% line/);
	});

	test("wrk's own failure message is quoted in the error", () => {
		expect(() => parseWrkOutput("unable to connect to 127.0.0.1:1 Connection refused\n")).toThrow(
			/unable to connect/,
		);
	});
});
