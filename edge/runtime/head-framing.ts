/**
 * A HEAD answer whose length the edge does not know, written by Bun without a length.
 *
 * A HEAD miss is filled with a GET; when the origin sends that body chunked, the edge's
 * answer carries no Content-Length, rightly: RFC 9110 §8.6/§9.3.2 let a HEAD omit a field
 * known only while the content is made, but one it sends must be what the GET would carry.
 * Bun.serve writes `Content-Length: 0` for any bodiless answer without the field, telling
 * the client the GET's body is empty. Given a body instead, Bun sends none for a HEAD and
 * writes no length (over HTTP/1.1: `Transfer-Encoding: chunked`, which RFC 9112 §6.1
 * allows on a HEAD answer whose GET would be chunked, as this one's is).
 */

/** Statuses whose answers have no content at all: Bun writes no length for them. */
function carriesContent(status: number): boolean {
	return status >= 200 && status !== 204 && status !== 304;
}

/** `response` as Bun.serve should send it for `request`. */
export function framedForBun(request: Request, response: Response): Response {
	if (
		request.method !== "HEAD" ||
		response.body !== null ||
		response.headers.has("content-length") ||
		!carriesContent(response.status)
	)
		return response;
	// Bun-only, a "direct" stream that ends at once: Bun reads it lazily, and for a HEAD it
	// does not read it at all. (An ordinary closed stream is measured: 0 again.)
	const unknownLength = new ReadableStream({
		type: "direct",
		pull(controller) {
			controller.close();
		},
	});
	return new Response(unknownLength, {
		status: response.status,
		statusText: response.statusText,
		headers: response.headers,
	});
}
