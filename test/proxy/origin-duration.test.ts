/**
 * The origin-duration histogram is timed with the edge's clock, which is the wall clock in
 * production: a step back (NTP, an operator) while a request is at the origin must not
 * record a negative duration, which would drag the histogram's sum below zero.
 */
import { expect, test } from "bun:test";
import { createEdge } from "../../edge/app.ts";
import { CacheLock } from "../../edge/lock/cache-lock.ts";
import type { Timers } from "../../edge/lock/timers.ts";
import { ManualTimers } from "../../edge/lock/timers.ts";
import { Registry } from "../../edge/metrics/registry.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { CLOCK_START_MS } from "./edge-harness.ts";

/** ManualTimers whose clock can also be stepped back, as a wall clock can be. */
function steppableClock() {
	const timers = new ManualTimers(CLOCK_START_MS);
	let offset = 0;
	const clock: Timers = {
		now: () => timers.now() + offset,
		after: (ms, fn) => timers.after(ms, fn),
	};
	const stepBack = (ms: number) => {
		offset -= ms;
	};
	return { clock, stepBack };
}

test("a clock stepped back while the origin answers records no negative origin duration", async () => {
	const { clock, stepBack } = steppableClock();
	const metrics = new Registry();
	const edge = createEdge({
		tier: new MemoryTier({ slab: new TsSlab({ capacityBytes: 1 << 20 }), clock }),
		routes: { hosts: {}, default: "http://origin.test" },
		lock: new CacheLock({
			timers: clock,
			writerTimeoutMs: 10_000,
			readerWaitMs: 5_000,
			uncacheableTtlMs: 30_000,
		}),
		timers: clock,
		metrics,
		config: { pop: "test", originTimeoutMs: 5_000 },
		fetchOrigin: async () => {
			stepBack(60_000);
			return new Response("body", { headers: { "cache-control": "max-age=60" } });
		},
	});
	const response = await edge.app.fetch(new Request("http://cdn.test/a"));
	expect(await response.text()).toBe("body");
	const text = metrics.render();
	const sum = /^neuro_origin_duration_seconds_sum\{[^}]*\} (\S+)$/m.exec(text)?.[1];
	expect(sum).toBe("0");
	// Counted once, in the lowest bucket: the request did take (about) no time.
	expect(text).toMatch(/^neuro_origin_duration_seconds_bucket\{[^}]*le="0.005"\} 1$/m);
	expect(text).toMatch(/^neuro_origin_duration_seconds_count\{[^}]*\} 1$/m);
});
