/**
 * A request without a Host field (HTTP/1.0 allows one; Bun refuses an HTTP/1.1 one itself)
 * reaches a Bun handler with its target as sent, origin-form (`/path?query`), where every
 * other request has an absolute URL. RFC 9112 §3.3 rebuilds the target URI then with the
 * server's default authority; here that is the address it listens on (`server.url`: for a
 * wildcard bind, the wildcard), the one name the operator configured. Without this, such a
 * request was a 400 "invalid request target", `/_neuro/health` included: a load balancer's
 * HTTP/1.0 health check (HAProxy's `option httpchk` sends one) saw every node as down.
 * Whatever the request names then goes where a request with that Host would: the default
 * origin serves it, a hosts file without a route for it answers 421.
 */

import { isOriginForm } from "../http/raw-path.ts";

/** Copy -> the request as Bun handed it, which alone knows its connection (requestIP). */
const sentAs = new WeakMap<Request, Request>();

/**
 * `request`, or a copy of it whose URL is its origin-form target under the server's URL
 * (`server.url`, read only then). The edge's hot path never calls this: `Edge.direct`
 * leaves such a request to the router's path, which calls it before Hono parses the URL.
 */
export function withDefaultAuthority(
	request: Request,
	server: { readonly url: URL } | undefined,
): Request {
	const url = request.url;
	if (!isOriginForm(url) || server === undefined) return request;
	const base = server.url;
	// The origin-form path and query appended as sent: resolving against `base` would
	// take a target like `//x/y` for a network path and change its authority.
	const copy = new Request(`${base.protocol}//${base.host}${url}`, request);
	sentAs.set(copy, request);
	return copy;
}

/** The request Bun handed over, for what only it can answer (the client's address). */
export function sentRequest(request: Request): Request {
	return sentAs.get(request) ?? request;
}
