/**
 * What a client gets from a whole origin response that is being filled into the cache.
 * A miss goes forward without the client's own validators and Range: the fill asks for the
 * whole object so that the cache can store it. The client's request is then answered from
 * that response as it would be on a hit:
 *
 * - a validator that matches gets a 304 (RFC 9110 §13.2.2; RFC 9111 §4.3.2), where the
 *   origin would have sent one too;
 * - a Range gets its 206, cut from the stream as it passes, or a 416 (RFC 9110 §14). Only
 *   when the origin says how long the whole is: a Content-Range needs the complete length
 *   to tell satisfiable from not, and a chunked body's is unknown until it ends, so those
 *   clients get the whole 200, which §14.2 allows ("a server MAY ignore the Range").
 */
import { evaluatePreconditions } from "../http/conditional.ts";
import { contentLength } from "../http/content-length.ts";
import { ifRangeAllowsPartial } from "../http/if-range.ts";
import { evaluateRange, type RangeOutcome } from "../http/range.ts";
import { validatorsFromHeaders } from "../http/validators.ts";

export type FillAnswer = RangeOutcome | { readonly status: 304 };

/**
 * How to answer the client from a whole response of `status` with `headers`. `stored`: the
 * response is being stored, so the client's If-Modified-Since may be judged by its Date when
 * it has no Last-Modified, as it would be on a hit (RFC 9111 §4.3.2). One that is not stored
 * is the origin's answer passed on, and the origin, lacking a modification date, would have
 * ignored the field (RFC 9110 §13.1.3): so do we.
 */
export function answerFromWhole(
	request: Request,
	status: number,
	headers: Headers,
	stored: boolean,
): FillAnswer {
	const fields = validatorsFromHeaders(headers);
	if (!stored && fields.lastModified === null) fields.date = null;
	const validators = { ...fields, status };
	if (evaluatePreconditions(request, validators) === "send-304") return { status: 304 };
	const range = request.headers.get("range");
	if (range === null || request.method !== "GET" || status !== 200)
		return { status: 200, reason: "no-range" };
	const length = contentLength(headers);
	if (length === undefined) return { status: 200, reason: "no-range" };
	if (!ifRangeAllowsPartial(request.headers.get("if-range"), validatorsFromHeaders(headers)))
		return { status: 200, reason: "if-range-failed" };
	return evaluateRange(range, length);
}

/**
 * Bytes `start` to `end` (inclusive) of `body`. Once the last one has passed the client's
 * stream ends; the rest of the body is not read for the client (the cache's branch of the
 * fill reads on by itself).
 */
export function sliceStream(
	body: ReadableStream<Uint8Array>,
	start: number,
	end: number,
): ReadableStream<Uint8Array> {
	let offset = 0;
	const slicer = new TransformStream<Uint8Array, Uint8Array>({
		transform(chunk, controller) {
			const chunkStart = offset;
			offset += chunk.byteLength;
			const from = Math.max(start - chunkStart, 0);
			const to = Math.min(end + 1 - chunkStart, chunk.byteLength);
			if (from < to) controller.enqueue(chunk.subarray(from, to));
			if (offset > end) controller.terminate();
		},
	});
	// The pipe rejects once terminate() cancels the rest of the source: that is the point.
	body.pipeTo(slicer.writable).catch(() => {});
	return slicer.readable;
}
