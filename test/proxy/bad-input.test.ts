import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createEdgeApp } from "../../edge/app.ts";
import { createDemoOrigin } from "../../edge/demo-origin.ts";
import { CacheLock } from "../../edge/lock/cache-lock.ts";
import { systemTimers } from "../../edge/lock/timers.ts";
import { Registry } from "../../edge/metrics/registry.ts";
import type { OriginFetch } from "../../edge/proxy/origin-fetch.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { rawRequest } from "./raw-client.ts";

// Bad input against the edge served over real HTTP (Bun.serve on a free loopback port):
// every case gets a clear answer, nothing wrong is stored, and the server keeps serving.

const origin = createDemoOrigin();
let hang = false;
/** Every request that reached the origin, as "METHOD path". */
const reachedOrigin: string[] = [];
const fetchOrigin: OriginFetch = async (request) => {
	reachedOrigin.push(`${request.method} ${new URL(request.url).pathname}`);
	if (hang) {
		// A hung origin: answers only when the edge's deadline aborts the request.
		return new Promise((_, reject) =>
			request.signal.addEventListener("abort", () => reject(request.signal.reason)),
		);
	}
	return origin.app.request(request);
};
const tier = new MemoryTier({
	slab: new TsSlab({ capacityBytes: 4 << 20 }),
	maxObjectBytes: 64 * 1024,
});
const app = createEdgeApp({
	tier,
	routes: { hosts: {}, default: "http://origin.test" },
	lock: new CacheLock({
		timers: systemTimers,
		writerTimeoutMs: 2_000,
		readerWaitMs: 2_000,
		uncacheableTtlMs: 1_000,
	}),
	timers: systemTimers,
	metrics: new Registry(),
	config: { pop: "test", originTimeoutMs: 200 },
	fetchOrigin,
});
let server: ReturnType<typeof Bun.serve>;
let base = "";

beforeAll(() => {
	server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
	base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => void server.stop(true));

async function alive(): Promise<void> {
	const res = await fetch(`${base}/pages/1`);
	expect(res.status).toBe(200);
	await res.arrayBuffer();
}

describe("bad input at the edge", () => {
	test("an absurdly large header is refused by the server, which keeps serving", async () => {
		const res = await fetch(`${base}/pages/1`, { headers: { "x-big": "a".repeat(256 * 1024) } });
		expect(res.status).toBeGreaterThanOrEqual(400);
		await alive();
	});

	test("absurd request directives are read conservatively, not trusted", async () => {
		for (const value of [
			"max-age=-1",
			"max-age=99999999999999",
			"max-age=1, max-age=2",
			"max-stale=abc",
			'"unterminated',
		]) {
			const res = await fetch(`${base}/pages/2`, { headers: { "cache-control": value } });
			expect(res.status).toBe(200);
			expect(res.headers.get("cache-status")).toMatch(/^NeuroCache;/);
			await res.arrayBuffer();
		}
		await alive();
	});

	test("garbage ranges get the whole object, never a wrong part", async () => {
		await (await fetch(`${base}/bytes/100`)).arrayBuffer();
		for (const range of [
			"bytes=",
			"bytes=5-2",
			"chars=1-2",
			`bytes=${"1-2,".repeat(500)}1-2`,
			"bytes=-",
		]) {
			const res = await fetch(`${base}/bytes/100`, { headers: { range } });
			expect([200, 416]).toContain(res.status);
			if (res.status === 200) expect((await res.arrayBuffer()).byteLength).toBe(100);
			else await res.arrayBuffer();
		}
	});

	test("an invalid Host header is a 400 (RFC 9112 §3.2), not a 500, and poisons no key", async () => {
		for (const host of ["127.0.0.1/pages", "a b", "x@127.0.0.1", "127.0.0.1:70000"]) {
			const res = await fetch(`${base}/77`, { headers: { host } });
			expect(res.status).toBe(400);
			expect(await res.text()).toContain("invalid Host header");
		}
		// "127.0.0.1/pages" + "/77" did not become /pages/77's entry.
		const res = await fetch(`${base}/pages/77`);
		expect(res.headers.get("cache-status")).not.toContain("hit");
		await res.arrayBuffer();
		await alive();
	});

	test("CONNECT is a 501 (RFC 9110 §9.1, §9.3.6), never sent to the origin", async () => {
		const before = reachedOrigin.length;
		for (const target of ["127.0.0.1:443", "/pages/connect"]) {
			const answer = await rawRequest(
				base,
				`CONNECT ${target} HTTP/1.1\r\nHost: 127.0.0.1:443\r\nConnection: close\r\n\r\n`,
			);
			// Before: forwarded, and a 502 "origin unreachable" for a healthy origin.
			expect({ target, status: answer.status }).toEqual({ target, status: 501 });
			expect(answer.body).toBe("CONNECT is not implemented\n");
		}
		expect(reachedOrigin.slice(before)).toEqual([]);
		await alive();
	});

	test("a target longer than the cache key allows is a 414 (RFC 9110 §15.5.15)", async () => {
		const res = await fetch(`${base}/pages/${"a".repeat(9000)}`);
		expect(res.status).toBe(414);
		expect(await res.text()).toContain("bad request target");
		await alive();
	});

	test("a hung origin becomes a 504 at the deadline and stores nothing", async () => {
		hang = true;
		try {
			const res = await fetch(`${base}/pages/hung-${Date.now() % 1000}`);
			expect(res.status).toBe(504);
			expect(await res.text()).toContain("origin timeout");
		} finally {
			hang = false;
		}
		await alive();
	});

	test("a flood of distinct keys stays within the tier's capacity", async () => {
		for (let i = 0; i < 300; i++) await (await fetch(`${base}/bytes/${10_000 + i}`)).arrayBuffer();
		const stats = tier.stats();
		expect(stats.bytes).toBeLessThanOrEqual(stats.capacityBytes);
		expect(stats.evictions).toBeGreaterThan(0);
		await alive();
	});

	test("a body over the byte gate streams through whole and is not stored", async () => {
		const res = await fetch(`${base}/bytes/100000`);
		expect((await res.arrayBuffer()).byteLength).toBe(100_000);
		expect(res.headers.get("cache-status")).toContain('detail="too-large"');
		const again = await fetch(`${base}/bytes/100000`);
		expect(again.headers.get("cache-status")).not.toContain("hit");
		await again.arrayBuffer();
	});
});
