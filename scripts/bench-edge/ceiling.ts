/**
 * The ceiling for anything serving HTTP on Bun: a bare Hono app answering from a Map of
 * pre-built bodies, with no cache logic at all. Our edge cannot beat it; the benchmark
 * reports how close it gets.
 *   bun run scripts/bench-edge/ceiling.ts --port 18083
 */
import { Hono } from "hono";
import { sizedBody } from "../../edge/demo-origin.ts";
import { portFromArgv } from "./port-flag.ts";

const port = portFromArgv(Bun.argv.slice(2), "scripts/bench-edge/ceiling.ts");
const bodies = new Map<string, Uint8Array>();
for (const size of [1024, 65_536]) bodies.set(`/bytes/${size}`, sizedBody(size));

const app = new Hono();
// The same headers a cache hit carries, so the bytes on the wire are comparable.
app.get("/bytes/:size", (c) => {
	const body = bodies.get(c.req.path);
	if (body === undefined) return c.text("not found\n", 404);
	return new Response(body, {
		headers: {
			"content-type": "application/octet-stream",
			"cache-control": "public, max-age=3600",
		},
	});
});
app.get("/_ceiling/health", (c) => c.text("ok\n"));

Bun.serve({ hostname: "127.0.0.1", port, fetch: app.fetch });
console.error(`[ceiling] bare Hono + Map on http://127.0.0.1:${port}`);
