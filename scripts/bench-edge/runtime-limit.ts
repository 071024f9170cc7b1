/**
 * The most any server on Bun can do here: Bun.serve's static routes, each a Response built
 * once, sent by Bun's native code without running JavaScript or reading the request. It
 * answers the same fields, of the same lengths, as the ceiling (ceiling.ts) and a hit on
 * ours. Not a target, only context: when even this is below a target's multiple of nginx,
 * no JavaScript handler on Bun reaches that target on this machine.
 *   bun run scripts/bench-edge/runtime-limit.ts --port 18084
 */
import { hitFields, hitObjects } from "./hit-objects.ts";
import { portFromArgv } from "./port-flag.ts";

const port = portFromArgv(Bun.argv.slice(2), "scripts/bench-edge/runtime-limit.ts");
const routes: Record<string, Response> = { "/_runtime-limit/health": new Response("ok\n") };
for (const [path, { body, etag }] of hitObjects())
	routes[path] = new Response(body, { headers: hitFields(etag) });

Bun.serve({
	hostname: "127.0.0.1",
	port,
	routes,
	fetch: () => new Response("not found\n", { status: 404 }),
});
console.error(`[runtime-limit] Bun.serve static routes on http://127.0.0.1:${port}`);
