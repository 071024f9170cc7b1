/**
 * The edge's own routes under /_neuro: Prometheus metrics, purge (with the admin token),
 * and a 404 for anything else there, so that nothing under the edge's name reaches the
 * origin.
 */
import type { Hono } from "hono";
import * as v from "valibot";
import { adminRefusal } from "./admin-auth.ts";
import { pathStart } from "./http/raw-path.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./metrics/registry.ts";
import { ClientPurgeRequestSchema, type PurgeRequest } from "./purge.ts";

/** Where the app's own routes (metrics, purge, status) live. */
export const OWN_ROUTES_PREFIX = "/_neuro";

export interface OwnRoutesDeps {
	/** The metrics text, scraped figures brought up to date first. */
	readonly renderMetrics: () => string;
	readonly purge: (request: PurgeRequest) => Promise<number>;
	/** Bearer token for /_neuro/purge; purging is off without one. */
	readonly adminToken: string | undefined;
}

/** Adds the own routes to `app`; the proxy's catch-all goes after them. */
export function mountOwnRoutes(app: Hono, deps: OwnRoutesDeps): void {
	app.get(`${OWN_ROUTES_PREFIX}/metrics`, () => {
		const text = deps.renderMetrics();
		return new Response(text, { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
	});

	app.post(`${OWN_ROUTES_PREFIX}/purge`, async (c) => {
		const refused = adminRefusal(c.req.header("authorization"), deps.adminToken, "purge");
		if (refused !== undefined) return refused;
		let body: unknown;
		try {
			body = await c.req.json();
		} catch {
			return c.text('body must be JSON: {"url" | "tag" | "prefix": "...", "soft"?: true}\n', 400);
		}
		const parsed = v.safeParse(ClientPurgeRequestSchema, body);
		if (!parsed.success) {
			// The field at fault when the shape was right (a tag too long, a relative URL), so
			// the client is not sent back to a shape it already has.
			const issue = parsed.issues[0];
			const field = v.getDotPath(issue);
			const fault = field === null ? "" : `${field}: ${issue.message}; `;
			return c.text(
				`${fault}body must be {"url": "<absolute URL>"}, {"tag": "<tag>"} or {"prefix": "<absolute URL>"}, with optional "soft": true\n`,
				400,
			);
		}
		const purged = await deps.purge(parsed.output);
		return c.json({ purged, soft: parsed.output.soft === true });
	});

	// The namespace is the edge's own: a request under /_neuro that no route of the node
	// answers (a wrong method, a mistyped path) is refused, never proxied. It may carry the
	// admin token, which must not reach the origin, and the origin's answer to it would be
	// cached and served under the edge's own name.
	app.all(`${OWN_ROUTES_PREFIX}/*`, (c) =>
		c.text(
			`no route for ${c.req.method} ${c.req.path} in this edge's own ${OWN_ROUTES_PREFIX}/\n`,
			404,
		),
	);
}

/**
 * A path the router, not the proxy, may answer: one under `/_neuro` (every route of ours
 * lives there), or one whose first segment holds an escape the router would decode (it
 * might spell `_neuro`). Origin paths like `/_next/…` go straight to the proxy.
 */
export function mayBeRouted(url: string): boolean {
	const start = pathStart(url);
	if (url.startsWith(OWN_ROUTES_PREFIX, start)) return true;
	const percent = url.indexOf("%", start);
	if (percent < 0) return false;
	const segmentEnd = url.indexOf("/", start + 1);
	const query = url.indexOf("?", start);
	return (segmentEnd < 0 || percent < segmentEnd) && (query < 0 || percent < query);
}
