import { describe, expect, test } from "bun:test";
import { createEdge } from "../../edge/app.ts";
import { CacheLock } from "../../edge/lock/cache-lock.ts";
import { ManualTimers } from "../../edge/lock/timers.ts";
import { Registry } from "../../edge/metrics/registry.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { CLOCK_START_MS, settle } from "./edge-harness.ts";

// One configured host and a default origin: what the Host header routes to and what it is
// cached under must be the same host, or one origin's answer is served for the other's.
function makeTwoOriginEdge() {
	const timers = new ManualTimers(CLOCK_START_MS);
	const metrics = new Registry();
	const seen: string[] = [];
	const edge = createEdge({
		tier: new MemoryTier({ slab: new TsSlab({ capacityBytes: 1 << 20 }), clock: timers }),
		routes: {
			hosts: { "cdn.test": { origin: "http://good.test" } },
			default: "http://other.test",
		},
		lock: new CacheLock({
			timers,
			writerTimeoutMs: 10_000,
			readerWaitMs: 5_000,
			uncacheableTtlMs: 30_000,
		}),
		timers,
		metrics,
		config: { pop: "test", originTimeoutMs: 5_000 },
		fetchOrigin: async (request) => {
			const origin = new URL(request.url).host;
			seen.push(origin);
			return new Response(`from ${origin}`, { headers: { "cache-control": "max-age=600" } });
		},
	});
	const get = (host: string, path = "/page") =>
		edge.app.fetch(new Request(`http://127.0.0.1${path}`, { headers: { host } }));
	return { get, metrics, seen };
}

describe("Host routing and the cache key agree", () => {
	for (const spelling of ["cdn%2Etest", "%63dn.test", "cdn.test:", "CDN.test:80"]) {
		test(`Host "${spelling}" spells cdn.test: routed and cached as cdn.test`, async () => {
			const { get, seen } = makeTwoOriginEdge();
			const first = await get(spelling);
			expect(first.status).toBe(200);
			// Before: routed to the default origin (no configured name matched the raw
			// spelling) but keyed as http://cdn.test/page, poisoning cdn.test's entry.
			expect(await first.text()).toBe("from good.test");
			await settle();
			const real = await get("cdn.test");
			expect(await real.text()).toBe("from good.test");
			expect(seen).toEqual(["good.test"]);
		});
	}

	test("a Host that decodes to something no host can be is a 400", async () => {
		const { get, seen } = makeTwoOriginEdge();
		const response = await get("cdn.test%2Fpages");
		expect(response.status).toBe(400);
		expect(seen).toEqual([]);
	});

	for (const host of ["constructor", "__proto__", "toString"]) {
		test(`Host "${host}" (a name on Object's prototype) goes to the default origin`, async () => {
			const { get, seen } = makeTwoOriginEdge();
			// Before: the hosts map was read through its prototype, Object's member taken for a
			// route, and the request failed with a 500.
			const response = await get(host);
			expect(response.status).toBe(200);
			expect(await response.text()).toBe("from other.test");
			expect(seen).toEqual(["other.test"]);
		});
	}

	test("made-up Host names served by the default origin add no metric series", async () => {
		const { get, metrics } = makeTwoOriginEdge();
		for (const host of ["made-up-1.test", "made-up-2.test"]) await (await get(host)).text();
		const text = metrics.render();
		expect(text).not.toContain("made-up");
		expect(text).toContain('host="(default)"');
	});
});
