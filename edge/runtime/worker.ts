/**
 * Cloudflare Workers entry (wrangler.toml `main`): the edge from wire.ts as a module
 * Worker. Settings are the Worker's env bindings, under the same NEURO_* names as
 * elsewhere ([vars] in wrangler.toml, or secrets for NEURO_ADMIN_TOKEN).
 *
 * Workers allow no timers, randomness or I/O at global scope, so the edge is built on the
 * first request, not at import, and its tier reads a plain Date.now() clock (the coarse
 * clock's interval timer is exactly what Workers refuse). The cache is per isolate: each
 * isolate keeps its own L0, in the pure-TS slab (no bun:ffi here).
 */
import type { ExecutionContext } from "hono";
import { systemClock } from "../store/clock.ts";
import { type EdgeSettings, parseSettings, SettingsError } from "./settings.ts";
import { type WiredEdge, wireEdge } from "./wire.ts";

let wired: { edge: WiredEdge; settings: EdgeSettings } | undefined;

function edgeFor(env: Readonly<Record<string, unknown>>): WiredEdge {
	if (wired === undefined) {
		const settings = parseSettings(env);
		// Cloudflare names the client in CF-Connecting-IP; the Worker sees no socket.
		const clientAddress = (request: Request) =>
			request.headers.get("cf-connecting-ip") ?? undefined;
		wired = { edge: wireEdge(settings, { clock: systemClock, clientAddress }), settings };
	}
	return wired.edge;
}

export default {
	fetch(
		request: Request,
		env: Readonly<Record<string, unknown>>,
		ctx: ExecutionContext,
	): Response | Promise<Response> {
		let edge: WiredEdge;
		try {
			edge = edgeFor(env);
		} catch (error) {
			if (!(error instanceof SettingsError)) throw error;
			// A misconfigured Worker says so on every request rather than failing obscurely.
			return new Response(`neurocache is misconfigured: ${error.message}\n`, {
				status: 500,
				headers: { "content-type": "text/plain; charset=utf-8" },
			});
		}
		return edge.app.fetch(request, env, ctx);
	},
};
