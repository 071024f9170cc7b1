/**
 * The ceiling for anything serving HTTP on Bun: a bare Hono app answering from a Map of
 * pre-built bodies, with no cache logic at all. Our edge cannot beat it; the benchmark
 * reports how close it gets.
 *   bun run scripts/bench-edge/ceiling.ts --port 18083
 */
import { Hono } from "hono";
import { etagOf, sizedBody } from "../../edge/demo-origin.ts";
import { portFromArgv } from "./port-flag.ts";

const port = portFromArgv(Bun.argv.slice(2), "scripts/bench-edge/ceiling.ts");
const objects = new Map<string, { body: Uint8Array; etag: string }>();
for (const size of [1024, 65_536]) {
	const body = sizedBody(size);
	objects.set(`/bytes/${size}`, { body, etag: etagOf(body) });
}

const app = new Hono();
// The fields a cache hit on ours carries, in values of the same length: the origin's
// (Content-Type, Cache-Control, ETag), Accept-Ranges, and the Age and Cache-Status a hit
// adds; Bun adds Date and Content-Length to both. So the bytes on the wire are the same,
// and what separates ours from this is cache work, not response size. (Until 2026-11-23
// this sent only the first two: about 100 bytes less per response, which measured 5-7%
// more 1 KiB requests a second here.)
app.get("/bytes/:size", (c) => {
	const object = objects.get(c.req.path);
	if (object === undefined) return c.text("not found\n", 404);
	return new Response(object.body, {
		headers: {
			"cache-control": "public, max-age=3600",
			"content-type": "application/octet-stream",
			etag: object.etag,
			"accept-ranges": "bytes",
			age: "0",
			"cache-status": "NeuroCache;hit;ttl=3600",
		},
	});
});
app.get("/_ceiling/health", (c) => c.text("ok\n"));

Bun.serve({ hostname: "127.0.0.1", port, fetch: app.fetch });
console.error(`[ceiling] bare Hono + Map on http://127.0.0.1:${port}`);
