// A stored response without Content-Type is served without one over real HTTP: runtimes label
// a byte body they send without a type application/octet-stream, which the origin never said.
import { afterAll, expect, test } from "bun:test";
import { makeEdge, settle } from "./edge-harness.ts";

const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const { app, direct, origin } = makeEdge({
	direct: true,
	fetchOrigin: async (request) => {
		if (new URL(request.url).pathname === "/pages/1") return origin.app.request(request);
		// A byte body: the Response gets no Content-Type of its own.
		return new Response(bytes, { headers: { "cache-control": "max-age=60" } });
	},
});
const server = Bun.serve({
	hostname: "127.0.0.1",
	port: 0,
	fetch: (request) => direct(request) ?? app.fetch(request),
});
afterAll(() => void server.stop(true));

async function fetchVia(path: string, headers: Record<string, string> = {}) {
	const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
		headers: { host: "cdn.test", ...headers },
	});
	return { response, body: new Uint8Array(await response.arrayBuffer()) };
}

test("a hit on an untyped object carries no Content-Type, as its miss did", async () => {
	const miss = await fetchVia("/untyped");
	expect(miss.response.headers.get("content-type")).toBeNull();
	await settle();
	const hit = await fetchVia("/untyped");
	expect(hit.response.headers.get("cache-status")).toContain("hit");
	expect(hit.response.headers.get("content-type")).toBeNull();
	expect(hit.body).toEqual(bytes);

	const part = await fetchVia("/untyped", { range: "bytes=2-4" });
	expect(part.response.status).toBe(206);
	expect(part.response.headers.get("content-type")).toBeNull();
	expect(part.body).toEqual(bytes.subarray(2, 5));
});

test("a typed object keeps its own Content-Type on a hit", async () => {
	const miss = await fetchVia("/pages/1");
	await settle();
	const hit = await fetchVia("/pages/1");
	expect(hit.response.headers.get("cache-status")).toContain("hit");
	expect(hit.response.headers.get("content-type")).toBe(miss.response.headers.get("content-type"));
	expect(hit.response.headers.get("content-type")).not.toBeNull();
});
