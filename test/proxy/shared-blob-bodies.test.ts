// Hits on a large object are built from the tier's shared Blob, not from a copy of the body
// per Response: a Range's 206 is a slice of it, and an untyped body (sent as a stream so that
// no Content-Type is invented) is read from it a chunk at a time.
import { afterAll, describe, expect, test } from "bun:test";
import { BLOB_CHUNK_BYTES } from "../../edge/proxy/respond.ts";
import { makeEdge, settle } from "./edge-harness.ts";

const SIZE = 3 << 20;
const body = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) body[i] = (i * 31 + (i >> 12)) & 0xff;

function edgeServing(typed: boolean) {
	return makeEdge({
		direct: true,
		largeBytes: 32 << 20,
		fetchOrigin: async () => {
			const headers: Record<string, string> = { "cache-control": "max-age=60" };
			if (typed) headers["content-type"] = "video/mp4";
			return new Response(body, { headers });
		},
	});
}

async function chunksOf(response: Response): Promise<Uint8Array[]> {
	const chunks: Uint8Array[] = [];
	const reader = (response.body as ReadableStream<Uint8Array>).getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return chunks;
		chunks.push(value);
	}
}

function joined(chunks: readonly Uint8Array[]): Uint8Array {
	const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
	let at = 0;
	for (const chunk of chunks) {
		out.set(chunk, at);
		at += chunk.byteLength;
	}
	return out;
}

describe("a large object's hits share its Blob", () => {
	test("a Range on a typed object is a slice of the shared Blob, made on that first read", async () => {
		const { get, large } = edgeServing(true);
		await (await get("/video")).arrayBuffer();
		await settle();
		const stored = large?.stats().bytes ?? 0;
		expect(stored).toBeGreaterThan(SIZE);

		const part = await get("/video", { range: "bytes=1000-" });
		expect(part.status).toBe(206);
		expect(part.headers.get("content-range")).toBe(`bytes 1000-${SIZE - 1}/${SIZE}`);
		expect(new Uint8Array(await part.arrayBuffer())).toEqual(body.subarray(1000));
		// The Blob was made for the range (and charged to the store's budget), so the bytes
		// the 206 sent are that Blob's, shared, not a copy of the part.
		expect(large?.stats().bytes).toBe(stored + SIZE);

		// The next whole hit shares the same Blob: nothing more is charged.
		const whole = await get("/video");
		expect(whole.headers.get("cache-status")).toContain("hit");
		expect(new Uint8Array(await whole.arrayBuffer())).toEqual(body);
		expect(large?.stats().bytes).toBe(stored + SIZE);
	});

	test("an untyped object is streamed from the Blob a chunk at a time, whole and in part", async () => {
		const { get } = edgeServing(false);
		await (await get("/raw")).arrayBuffer();
		await settle();

		const hit = await get("/raw");
		expect(hit.headers.get("cache-status")).toContain("hit");
		expect(hit.headers.get("content-type")).toBeNull();
		const chunks = await chunksOf(hit);
		expect(chunks.length).toBe(Math.ceil(SIZE / BLOB_CHUNK_BYTES));
		expect(Math.max(...chunks.map((c) => c.byteLength))).toBe(BLOB_CHUNK_BYTES);
		expect(joined(chunks)).toEqual(body);

		const part = await get("/raw", { range: "bytes=5-2000004" });
		expect(part.status).toBe(206);
		expect(part.headers.get("content-type")).toBeNull();
		const partChunks = await chunksOf(part);
		expect(partChunks.length).toBe(Math.ceil(2_000_000 / BLOB_CHUNK_BYTES));
		expect(joined(partChunks)).toEqual(body.subarray(5, 2_000_005));
	});

	test("over HTTP an untyped large hit still carries no Content-Type", async () => {
		const { app, direct } = edgeServing(false);
		const server = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			fetch: (request) => direct(request) ?? app.fetch(request),
		});
		afterAll(() => void server.stop(true));
		const url = `http://127.0.0.1:${server.port}/raw`;
		const miss = await fetch(url, { headers: { host: "cdn.test" } });
		await miss.arrayBuffer();
		await settle();
		const hit = await fetch(url, { headers: { host: "cdn.test" } });
		expect(hit.headers.get("cache-status")).toContain("hit");
		expect(hit.headers.get("content-type")).toBeNull();
		expect(new Uint8Array(await hit.arrayBuffer())).toEqual(body);
	});
});
