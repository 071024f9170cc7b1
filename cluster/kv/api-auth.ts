/**
 * Who may use the control plane's API (http-api.ts): with a token configured (the node's
 * NEURO_ADMIN_TOKEN, the one the edge's admin routes take), every route needs
 * `Authorization: Bearer <token>` but the few in OPEN_ROUTES. Those say how this member is
 * doing (its role, term, leader id, log indexes, fsync latency) and nothing of the
 * replicated state: no key, value, purge, POP config or member address. They are what load
 * balancers, orchestrators and scrapers poll, which often cannot hold a secret. Every
 * other route, today's and any added later, is refused without the token: the list says
 * what is open, not what is closed, so a new route cannot be left open by forgetting it.
 *
 * Without a token configured the API is open, as it was before tokens: a single node tried
 * on a laptop keeps working, and the node says so at start (unauthenticatedWarning).
 * A refusal is a 401 answered before any route runs: nothing is read, proposed or logged.
 */
import type { MiddlewareHandler } from "hono";
import { checkBearer } from "../../edge/admin-auth.ts";
import type { FetchHandler, NativeRoutes } from "../../edge/runtime/bun.ts";
import { UNAUTHORIZED } from "./http-api.ts";

/** Paths answered without a token (GET and HEAD only): see the module comment for why. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set([
	"/health",
	"/metrics",
	"/metrics.json",
	"/v1/status",
]);

const REALM = 'Bearer realm="neurocache"';

/**
 * The 401 for a request to `path` that does not carry the token, or undefined to go on.
 * `token` undefined: no token configured, everything goes on.
 */
export function apiRefusal(
	method: string,
	path: string,
	authorization: string | undefined,
	token: string | undefined,
): Response | undefined {
	if (token === undefined) return undefined;
	if ((method === "GET" || method === "HEAD") && OPEN_ROUTES.has(path)) return undefined;
	const check = checkBearer(authorization, token);
	if (check === "ok") return undefined;
	// RFC 6750 §3.1: no error code when the request carried no credentials at all.
	return Response.json(
		{
			error: UNAUTHORIZED,
			message:
				check === "missing"
					? "this API requires Authorization: Bearer <token> (the node's NEURO_ADMIN_TOKEN)"
					: "the bearer token is not the one this node was started with",
		},
		{
			status: 401,
			headers: {
				"www-authenticate": check === "missing" ? REALM : `${REALM}, error="invalid_token"`,
			},
		},
	);
}

/** The check as Hono middleware: first on the API's app, so it runs before every route. */
export function requireApiToken(token: string | undefined): MiddlewareHandler {
	return async (c, next) => {
		const refused = apiRefusal(c.req.method, c.req.path, c.req.header("authorization"), token);
		if (refused !== undefined) return refused;
		await next();
	};
}

/** Bun's native routes (matched before Hono ever sees the request) behind the same check. */
export function guardNativeRoutes(routes: NativeRoutes, token: string | undefined): NativeRoutes {
	// Without a token nothing is checked: the hot counter path stays as fast as it was.
	if (token === undefined) return routes;
	// Checked against the route's pattern, which names the same path: no native route is
	// open, and parsing request.url would cost as much as the rest of an increment.
	const guard =
		(pattern: string, handler: FetchHandler): FetchHandler =>
		(request) =>
			apiRefusal(
				request.method,
				pattern,
				request.headers.get("authorization") ?? undefined,
				token,
			) ?? handler(request);
	const guarded: Record<string, Partial<Record<string, FetchHandler>>> = {};
	for (const [pattern, methods] of Object.entries(routes)) {
		const each: Partial<Record<string, FetchHandler>> = {};
		for (const [method, handler] of Object.entries(methods))
			if (handler !== undefined) each[method] = guard(pattern, handler);
		guarded[pattern] = each;
	}
	return guarded;
}

/** The one line a node logs when it serves the API without a token. */
export function unauthenticatedWarning(apiUrl: string): string {
	return (
		`WARN cluster API on ${apiUrl} is unauthenticated: anyone who reaches it can write keys, ` +
		"purge, change POP configs and membership; set NEURO_ADMIN_TOKEN (the same on every " +
		'member; neuroctl reads it too) to require "Authorization: Bearer <token>"'
	);
}
