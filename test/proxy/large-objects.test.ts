import { describe, expect, test } from "bun:test";
import { createDemoOrigin, sizedBody } from "../../edge/demo-origin.ts";
import type { OriginFetch } from "../../edge/proxy/origin-fetch.ts";
import { makeEdge, settle } from "./edge-harness.ts";

// Objects above the slab tier's gate (1 MiB) are cached in the large objects' store when the
// edge has one, and stream through uncached when it has none or they are above its own gate.

const MIB = 1 << 20;

/** The demo origin, counting the requests that reach it. */
function countedOrigin() {
	const origin = createDemoOrigin();
	const calls: string[] = [];
	const fetchOrigin: OriginFetch = async (request) => {
		calls.push(new URL(request.url).pathname);
		return origin.app.request(request);
	};
	return { fetchOrigin, calls };
}

async function bytesOf(response: Response): Promise<Uint8Array> {
	return new Uint8Array(await response.arrayBuffer());
}

describe("large objects", () => {
	for (const direct of [false, true]) {
		test(`a 3 MiB object is stored and then served from the cache (${direct ? "direct" : "router"})`, async () => {
			const origin = countedOrigin();
			const { get } = makeEdge({ largeBytes: 32 * MIB, fetchOrigin: origin.fetchOrigin, direct });
			const first = await get(`/bytes/${3 * MIB}`);
			expect(first.status).toBe(200);
			expect(await bytesOf(first)).toEqual(sizedBody(3 * MIB));
			await settle();
			const second = await get(`/bytes/${3 * MIB}`);
			expect(second.headers.get("cache-status")).toMatch(/^NeuroCache;hit;ttl=\d+$/);
			expect(second.headers.get("content-length")).toBe(String(3 * MIB));
			expect(await bytesOf(second)).toEqual(sizedBody(3 * MIB));
			expect(origin.calls).toEqual([`/bytes/${3 * MIB}`]);
		});
	}

	test("a range across the 1 MiB boundary is served from the stored object", async () => {
		const origin = countedOrigin();
		const { get } = makeEdge({ largeBytes: 32 * MIB, fetchOrigin: origin.fetchOrigin });
		await (await get(`/bytes/${2 * MIB}`)).arrayBuffer();
		await settle();
		const part = await get(`/bytes/${2 * MIB}`, { range: `bytes=${MIB - 10}-${MIB + 9}` });
		expect(part.status).toBe(206);
		expect(part.headers.get("content-range")).toBe(`bytes ${MIB - 10}-${MIB + 9}/${2 * MIB}`);
		expect(await bytesOf(part)).toEqual(sizedBody(2 * MIB).subarray(MIB - 10, MIB + 10));
		expect(origin.calls).toHaveLength(1);
	});

	test("without a large store, or above its gate, the object streams through uncached", async () => {
		for (const options of [{}, { largeBytes: 8 * MIB }]) {
			const origin = countedOrigin();
			const { get } = makeEdge({ ...options, fetchOrigin: origin.fetchOrigin });
			for (let i = 0; i < 2; i++) {
				const response = await get(`/bytes/${3 * MIB}`);
				expect(await bytesOf(response)).toEqual(sizedBody(3 * MIB));
				expect(response.headers.get("cache-status")).not.toContain("hit");
				await settle();
			}
			expect(origin.calls).toHaveLength(2);
		}
	});

	test("a large body of unknown length is stored once complete", async () => {
		const body = sizedBody(3 * MIB);
		let calls = 0;
		const fetchOrigin: OriginFetch = async () => {
			calls++;
			const stream = new ReadableStream<Uint8Array>({
				start(controller) {
					for (let at = 0; at < body.byteLength; at += 256 * 1024)
						controller.enqueue(body.slice(at, at + 256 * 1024));
					controller.close();
				},
			});
			return new Response(stream, {
				headers: { "cache-control": "max-age=60", "content-type": "application/octet-stream" },
			});
		};
		const { get } = makeEdge({ largeBytes: 32 * MIB, fetchOrigin });
		expect(await bytesOf(await get("/chunked"))).toEqual(body);
		await settle();
		const hit = await get("/chunked");
		expect(hit.headers.get("cache-status")).toContain("hit");
		expect(await bytesOf(hit)).toEqual(body);
		expect(calls).toBe(1);
	});

	test("an origin that dies mid-body leaves nothing stored", async () => {
		let calls = 0;
		const fetchOrigin: OriginFetch = async () => {
			calls++;
			const stream = new ReadableStream<Uint8Array>({
				start(controller) {
					controller.enqueue(sizedBody(2 * MIB));
					controller.error(new Error("origin reset"));
				},
			});
			return new Response(stream, {
				headers: { "cache-control": "max-age=60", "content-length": String(4 * MIB) },
			});
		};
		const { get, large } = makeEdge({ largeBytes: 32 * MIB, fetchOrigin });
		const first = await get("/dies");
		await expect(first.arrayBuffer()).rejects.toThrow();
		await settle();
		expect(large?.stats()).toMatchObject({ objects: 0, bytes: 0 });
		expect(large?.bufferedBytes).toBe(0);
		await get("/dies").then((again) => again.arrayBuffer().catch(() => undefined));
		expect(calls).toBe(2);
	});

	test("purge by URL removes a large object", async () => {
		const origin = countedOrigin();
		const { get, app } = makeEdge({ largeBytes: 32 * MIB, fetchOrigin: origin.fetchOrigin });
		await (await get(`/bytes/${2 * MIB}`)).arrayBuffer();
		await settle();
		const purged = await app.request("http://cdn.test/_neuro/purge", {
			method: "POST",
			headers: { host: "cdn.test", authorization: "Bearer secret" },
			body: JSON.stringify({ url: `http://cdn.test/bytes/${2 * MIB}` }),
		});
		expect(purged.status).toBe(200);
		const after = await get(`/bytes/${2 * MIB}`);
		expect(after.headers.get("cache-status")).not.toContain("hit");
		await after.arrayBuffer();
		expect(origin.calls).toHaveLength(2);
	});
});
