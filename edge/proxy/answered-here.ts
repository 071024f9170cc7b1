/**
 * Requests of a method other than GET and HEAD that the edge answers itself rather than
 * forwards (CONNECT, which app.ts refuses before routing, aside).
 */
import { maxForwardsStep } from "../http/max-forwards.ts";
import { plain } from "./respond.ts";

/**
 * The methods the edge passes on, for an OPTIONS it answers as the final recipient. Any
 * other method Bun's parser accepts goes on too (WebDAV's PROPFIND...); these are the ones
 * a client can count on.
 */
const ALLOW = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

/**
 * The edge's own answer to `request`, or undefined to forward it:
 * - TRACE: 501. The Fetch standard forbids the method (Node, Deno and Workers throw on it)
 *   and Bun's fetch drops a TRACE response's body, so a forwarded TRACE came back as an
 *   empty 200 that looked like the origin's reflection. nginx refuses it too (405).
 * - OPTIONS with `Max-Forwards: 0`: RFC 9110 §7.6.2, the edge "MUST NOT forward the
 *   request; instead, the intermediary MUST respond as the final recipient"; §9.3.7: a 200
 *   with Allow and Content-Length 0.
 */
export function answeredHere(request: Request): Response | undefined {
	if (request.method === "TRACE") return plain(501, "TRACE is not implemented");
	if (
		request.method === "OPTIONS" &&
		maxForwardsStep(request.headers.get("max-forwards")).kind === "answer"
	)
		return new Response(null, { status: 200, headers: { allow: ALLOW, "content-length": "0" } });
	return undefined;
}
