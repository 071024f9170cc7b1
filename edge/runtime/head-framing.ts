/**
 * A HEAD answer whose length the edge does not know, written by Bun and Deno without a length.
 *
 * A HEAD miss is filled with a GET; when the origin sends that body chunked, the edge's
 * answer carries no Content-Length, rightly: RFC 9110 §8.6/§9.3.2 let a HEAD omit a field
 * known only while the content is made, but one it sends must be what the GET would carry.
 * Bun.serve writes `Content-Length: 0` for any bodiless answer without the field, telling
 * the client the GET's body is empty. Given a body instead, Bun sends none for a HEAD and
 * writes no length (over HTTP/1.1: `Transfer-Encoding: chunked`, which RFC 9112 §6.1
 * allows on a HEAD answer whose GET would be chunked, as this one's is).
 *
 * Deno.serve does the same (`Content-Length: 0` for a bodiless answer) and, given any
 * stream, writes no length for a HEAD. Node's server writes none by itself; Workers too.
 */

/** Statuses whose answers have no content at all: Bun writes no length for them. */
function carriesContent(status: number): boolean {
	return status >= 200 && status !== 204 && status !== 304;
}

/** A HEAD answer that says nothing of its length, which a server would write as 0. */
function lengthUnknown(request: Request, response: Response): boolean {
	return (
		request.method === "HEAD" &&
		response.body === null &&
		!response.headers.has("content-length") &&
		carriesContent(response.status)
	);
}

/** `response` with an empty body standing in for one of unknown length. */
function withBody(response: Response, body: ReadableStream): Response {
	return new Response(body, {
		status: response.status,
		statusText: response.statusText,
		headers: response.headers,
	});
}

/** `response` as Deno.serve should send it for `request`. */
export function framedForDeno(request: Request, response: Response): Response {
	if (!lengthUnknown(request, response)) return response;
	// Deno sends no body for a HEAD and measures none of a stream: an empty one will do.
	return withBody(response, new ReadableStream({ start: (controller) => controller.close() }));
}

/** `response` as Bun.serve should send it for `request`. */
export function framedForBun(request: Request, response: Response): Response {
	if (!lengthUnknown(request, response)) return response;
	// Bun-only, a "direct" stream that ends at once: Bun reads it lazily, and for a HEAD it
	// does not read it at all. (An ordinary closed stream is measured: 0 again.)
	const unknownLength = new ReadableStream({
		type: "direct",
		pull(controller) {
			controller.close();
		},
	});
	return withBody(response, unknownLength);
}
