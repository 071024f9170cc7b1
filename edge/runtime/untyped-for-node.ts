/**
 * @hono/node-server writes `Content-Type: text/plain; charset=UTF-8` on any answer with a
 * body and no Content-Type, unless the Response's headers are a plain object, which it
 * writes as they are. An origin's untyped bytes must reach the client untyped (RFC 9110
 * §8.3: the recipient decides), so such an answer is handed over with plain headers.
 */

/** A Node header record: Set-Cookie stays a list, as node:http writes one field per item. */
type NodeHeaderRecord = Record<string, string | string[]>;

export function keepUntyped(response: Response): Response {
	if (response.body === null || response.headers.has("content-type")) return response;
	const headers: NodeHeaderRecord = {};
	for (const [name, value] of response.headers) if (name !== "set-cookie") headers[name] = value;
	const cookies = response.headers.getSetCookie();
	if (cookies.length > 0) headers["set-cookie"] = cookies;
	return new Response(response.body, {
		status: response.status,
		statusText: response.statusText,
		// The node server's own Response keeps these as given and writes them with writeHead.
		headers: headers as unknown as Record<string, string>,
	});
}
