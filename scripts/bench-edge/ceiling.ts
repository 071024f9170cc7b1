/**
 * The ceiling for anything serving HTTP on Bun: a bare Hono app answering from a Map of
 * pre-built bodies, with no cache logic at all, which the targets name; the benchmark
 * reports how close ours gets (at 64 KiB ours passes it: it sends a shared Blob, where this
 * sends an array the Response copies).
 *   bun run scripts/bench-edge/ceiling.ts --port 18083
 */
import { Hono } from "hono";
import { hitFields, hitObjects } from "./hit-objects.ts";
import { portFromArgv } from "./port-flag.ts";

const port = portFromArgv(Bun.argv.slice(2), "scripts/bench-edge/ceiling.ts");
const objects = hitObjects();

const app = new Hono();
// The fields of a hit on ours (hit-objects.ts), built per response from a literal, as an
// app would. (Until 2026-11-23 this sent only Content-Type and Cache-Control: about 100
// bytes less per response, which measured 5-7% more 1 KiB requests a second here.)
app.get("/bytes/:size", (c) => {
	const object = objects.get(c.req.path);
	if (object === undefined) return c.text("not found\n", 404);
	return new Response(object.body, { headers: hitFields(object.etag) });
});
app.get("/_ceiling/health", (c) => c.text("ok\n"));

Bun.serve({ hostname: "127.0.0.1", port, fetch: app.fetch });
console.error(`[ceiling] bare Hono + Map on http://127.0.0.1:${port}`);
