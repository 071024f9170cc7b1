/**
 * Work that outlives the response it started with: a cache fill finishing after the client
 * got its last byte, a stale-while-revalidate refresh. Most runtimes let such promises run
 * on; Cloudflare Workers cancel them when the response ends unless they are handed to the
 * request's ExecutionContext.waitUntil. Hono holds that context when the runtime gave one.
 */
import type { Context } from "hono";

/** `c` undefined: the edge was called without Hono (Edge.direct), on a runtime without one. */
export function keepRunning(c: Context | undefined, work: Promise<unknown>): void {
	if (c === undefined) return;
	// Hono's getter throws where the runtime passed no ExecutionContext (Bun, Node, Deno):
	// there the promise runs on by itself. Asked only on misses, never on the hit path.
	let context: Context["executionCtx"] | undefined;
	try {
		context = c.executionCtx;
	} catch {
		context = undefined;
	}
	context?.waitUntil(work);
}
