/**
 * How the proxy answers: every response gets this cache's Cache-Status member (RFC 9211)
 * and is counted under its phase, and stored responses are served whole, as a 304 for a
 * matching client validator (RFC 9110 §13), or as a range of the stored bytes (§14).
 *
 * These run for every request, hits above all, so they are plain functions over (request,
 * target) rather than closures made per request.
 */
import { type CachePhase, cacheStatusDecision } from "../http/cache-phase.ts";
import {
	addCacheStatus,
	appendCacheStatus,
	type CacheStatusParams,
	DEFAULT_CACHE_IDENTIFIER,
	serializeCacheStatus,
} from "../http/cache-status.ts";
import { evaluatePreconditions } from "../http/conditional.ts";
import { ifRangeAllowsPartial } from "../http/if-range.ts";
import { evaluateRange, type RangeOutcome } from "../http/range.ts";
import type { Found } from "./cache-read.ts";
import { sliceStream } from "./fill-answer.ts";

type ResponseBody = ConstructorParameters<typeof Response>[0];

/** Shared by every response that adds nothing to its phase's Cache-Status; never written. */
export const NO_PARAMS: CacheStatusParams = Object.freeze({});

/** Counts one response under its host label and phase (the metrics' requests counter). */
export type PhaseCounter = (hostLabel: string, phase: CachePhase) => void;

export class Responder {
	constructor(private readonly count: PhaseCounter) {}

	/** Sends a response: Cache-Status added to `headers` (owned by this call), phase counted. */
	reply(
		request: Request,
		hostLabel: string,
		body: ResponseBody,
		status: number,
		headers: Headers,
		phase: CachePhase,
		extra: CacheStatusParams = NO_PARAMS,
	): Response {
		this.count(hostLabel, phase);
		addCacheStatus(headers, cacheStatusDecision(DEFAULT_CACHE_IDENTIFIER, phase, extra));
		return new Response(request.method === "HEAD" ? null : body, { status, headers });
	}

	/** Passes another response on (origin's, or one of ours), with Cache-Status and counted. */
	finish(
		request: Request,
		hostLabel: string,
		response: Response,
		phase: CachePhase,
		extra: CacheStatusParams = NO_PARAMS,
	): Response {
		const headers = new Headers(response.headers);
		return this.reply(request, hostLabel, response.body, response.status, headers, phase, extra);
	}

	/**
	 * Answers from a stored response: 304 when the client's validator matches, 206/416 for a
	 * Range, else the whole stored response.
	 */
	fromCache(
		request: Request,
		hostLabel: string,
		found: Found,
		phase: CachePhase,
		extra: CacheStatusParams = NO_PARAMS,
	): Response {
		return this.#answer(request, hostLabel, found, phase, extra, STORED_BODY);
	}

	/**
	 * Answers a request that follows a fill whose body is still arriving (fill-feed.ts) as a
	 * hit on it will be answered, with `follow()` as the body (a Range's part cut from it as
	 * it passes). `found` assesses the head (its body is not there yet); `length` is the
	 * body's declared length.
	 */
	fromFill(
		request: Request,
		hostLabel: string,
		found: Found,
		follow: () => ReadableStream<Uint8Array>,
		length: number,
		phase: CachePhase,
		extra: CacheStatusParams,
	): Response {
		const arriving: BodySource = {
			length: () => length,
			whole: follow,
			part: (_, start, end) => sliceStream(follow(), start, end),
		};
		return this.#answer(request, hostLabel, found, phase, extra, arriving);
	}

	/** 304, 206/416 or the whole, for a stored response whose bytes come from `source`. */
	#answer(
		request: Request,
		hostLabel: string,
		found: Found,
		phase: CachePhase,
		extra: CacheStatusParams,
		source: BodySource,
	): Response {
		const ttl = Math.round(found.lifetimeSeconds - found.ageSeconds);
		const params = extra === NO_PARAMS ? { ttl } : { ttl, ...extra };
		if (evaluatePreconditions(request, found.validators) === "send-304")
			return this.#notModified(request, hostLabel, found, phase, params);
		const partial = rangeOf(request, found, source.length(found));
		if (partial.status === 200) {
			if (source === STORED_BODY && phase === "hit" && extra === NO_PARAMS)
				return this.#plainHit(request, hostLabel, found, ttl);
			return this.#whole(request, hostLabel, found, phase, params, source);
		}
		if (partial.status === 206) {
			const headers = partHeaders(found, partial);
			const body = source.part(found, partial.start, partial.end);
			return this.reply(request, hostLabel, body, 206, headers, phase, params);
		}
		return this.unsatisfiable(request, hostLabel, partial.contentRange, phase, params);
	}

	/** RFC 9110 §15.5.17: a 416 naming the representation's length (`bytes * /length`). */
	unsatisfiable(
		request: Request,
		hostLabel: string,
		contentRange: string,
		phase: CachePhase,
		extra: CacheStatusParams = NO_PARAMS,
	): Response {
		const refused = new Headers({
			"content-range": contentRange,
			"content-type": "text/plain; charset=utf-8",
		});
		const body = "range not satisfiable\n";
		return this.reply(request, hostLabel, body, 416, refused, phase, extra);
	}

	/** The most common answer of all: a fresh hit, whole, with nothing else to say. */
	#plainHit(request: Request, hostLabel: string, found: Found, ttl: number): Response {
		this.count(hostLabel, "hit");
		const headers = found.hitHeaders.at(Math.floor(found.ageSeconds), ttl);
		if (request.method === "HEAD") return headAnswer(found, headers, found.body.byteLength);
		return new Response(bodyOf(found), { status: found.stored.status, headers });
	}

	/**
	 * The stored response whole: its served fields (built once per stored object) are copied
	 * into the Response by the runtime, then this answer's Age and Cache-Status are set.
	 */
	#whole(
		request: Request,
		hostLabel: string,
		found: Found,
		phase: CachePhase,
		params: CacheStatusParams,
		source: BodySource,
	): Response {
		this.count(hostLabel, phase);
		const response =
			request.method === "HEAD"
				? headAnswer(found, found.servedHeaders, source.length(found))
				: new Response(source.whole(found), {
						status: found.stored.status,
						headers: found.servedHeaders,
					});
		return stamped(response, found, phase, params);
	}

	/** A client's validator matches the stored response: 304 (RFC 9110 §13.1). */
	#notModified(
		request: Request,
		hostLabel: string,
		found: Found,
		phase: CachePhase,
		params: CacheStatusParams,
	): Response {
		const headers = notModifiedHeaders(found.headers);
		// RFC 9111 §4: a stored response used without validation carries Age, and the 304
		// vouches for it (the client's copy is as fresh as ours).
		headers.set("age", String(Math.floor(found.ageSeconds)));
		return this.reply(request, hostLabel, null, 304, headers, phase, params);
	}
}

/** A stored response's answer gets its Age and Cache-Status (after any upstream cache's). */
function stamped(
	response: Response,
	found: Found,
	phase: CachePhase,
	params: CacheStatusParams,
): Response {
	response.headers.set("age", String(Math.floor(found.ageSeconds)));
	const member = serializeCacheStatus(cacheStatusDecision(DEFAULT_CACHE_IDENTIFIER, phase, params));
	response.headers.set("cache-status", appendCacheStatus(found.upstreamCacheStatus, member));
	return response;
}

/**
 * A HEAD answered from a stored response: no body, and the Content-Length a GET would get
 * (RFC 9110 §9.3.2, §8.6). The stored fields lack one when the origin sent its body chunked,
 * and a runtime sending a bodiless Response without the field writes `Content-Length: 0`,
 * which a GET's bytes contradict. The runtime copies `headers` (shared between hits).
 */
function headAnswer(found: Found, headers: Headers, length: number): Response {
	const response = new Response(null, { status: found.stored.status, headers });
	response.headers.set("content-length", String(length));
	return response;
}

/** Where the bytes of an answer from the cache come from. */
interface BodySource {
	/** The whole body's length. */
	length(found: Found): number;
	whole(found: Found): ResponseBody;
	/** Bytes `start` to `end`, inclusive (as a Range names them). */
	part(found: Found, start: number, end: number): ResponseBody;
}

/** A stored response's own bytes, as hits read them: one object, nothing made per hit. */
const STORED_BODY: BodySource = {
	length: (found) => found.body.byteLength,
	whole: (found) => bodyOf(found),
	part: (found, start, end) => partOf(found, start, end + 1),
};

/**
 * A whole stored body: the tier's shared Blob when it offers one, else the pinned bytes; as
 * a stream when no Content-Type was stored (see AnalyzedResponse.untyped).
 */
function bodyOf(found: Found): Blob | Uint8Array | ReadableStream<Uint8Array> {
	if (found.untyped) return unlabelledBody(found, 0, found.body.byteLength);
	return found.source?.bodyBlob?.() ?? found.body;
}

/**
 * Bytes `start` to `end` (exclusive) of a stored body, for a 206. A slice of the tier's shared
 * Blob when it offers one: a Blob's slice shares its bytes, where a Response built from a view
 * copies them, and a player's `bytes=0-` on a 64 MiB video would copy it all per request.
 */
function partOf(
	found: Found,
	start: number,
	end: number,
): Blob | Uint8Array | ReadableStream<Uint8Array> {
	if (found.untyped) return unlabelledBody(found, start, end);
	return found.source?.bodyBlob?.()?.slice(start, end) ?? found.body.subarray(start, end);
}

/** What a stream over a shared Blob reads at a time: one chunk in memory per response. */
export const BLOB_CHUNK_BYTES = 256 * 1024;

/**
 * Bytes `start` to `end` of a stored body as a plain stream, which runtimes send without
 * inventing a Content-Type (Bun labels a Uint8Array, a Blob and even a Blob's own stream).
 * Over one chunk, read from the tier's shared Blob a chunk at a time, so a large object is
 * not copied whole per response; else (or without a Blob) a copy, since the view is pinned
 * only until the Response is built and a stream is read later. The Blob is asked for only
 * when it is read: a tier makes one on the first ask.
 */
function unlabelledBody(found: Found, start: number, end: number): ReadableStream<Uint8Array> {
	if (end - start > BLOB_CHUNK_BYTES) {
		const blob = found.source?.bodyBlob?.();
		if (blob !== undefined) return blobInChunks(blob.slice(start, end));
	}
	const copy = found.body.slice(start, end);
	return new ReadableStream({
		start(controller) {
			controller.enqueue(copy);
			controller.close();
		},
	});
}

function blobInChunks(blob: Blob): ReadableStream<Uint8Array> {
	let offset = 0;
	return new ReadableStream({
		async pull(controller) {
			const end = Math.min(offset + BLOB_CHUNK_BYTES, blob.size);
			const chunk = new Uint8Array(await blob.slice(offset, end).arrayBuffer());
			offset = end;
			controller.enqueue(chunk);
			if (offset >= blob.size) controller.close();
		},
	});
}

/** A short text/plain answer of our own (errors, refusals). */
export function plain(status: number, message: string): Response {
	const body = PLAIN_ENCODER.encode(`${message}\n`);
	// The length said outright: a HEAD's answer loses the body but keeps the field, so it
	// carries what the GET's would (RFC 9110 §9.3.2), not chunked framing or a 0.
	return new Response(body, {
		status,
		headers: {
			"content-type": "text/plain; charset=utf-8",
			"content-length": String(body.byteLength),
		},
	});
}

const PLAIN_ENCODER = new TextEncoder();

/**
 * RFC 9110 §14: a Range on a GET for a stored 200 is answered from the stored bytes (206,
 * or 416 when unsatisfiable); If-Range that does not match sends the whole (§13.1.5). A
 * stored part answers with the range its lookup found inside it.
 */
function rangeOf(request: Request, found: Found, length = found.body.byteLength): RangeOutcome {
	// A stored part is found only with the range of it that answers this request
	// (cache-read.ts): never whole, never past what it holds (RFC 9111 §3.3).
	if (found.part !== undefined) return { status: 206, ...found.part };
	const range = request.headers.get("range");
	if (range === null || request.method !== "GET" || found.stored.status !== 200)
		return { status: 200, reason: "no-range" };
	if (!ifRangeAllowsPartial(request.headers.get("if-range"), found.validators))
		return { status: 200, reason: "if-range-failed" };
	return evaluateRange(range, length);
}

/** A 206's fields: the stored ones, its Age, and the part's Content-Range and length. */
function partHeaders(found: Found, part: Extract<RangeOutcome, { status: 206 }>): Headers {
	const headers = new Headers(found.headers);
	headers.set("age", String(Math.floor(found.ageSeconds)));
	headers.set("content-range", part.contentRange);
	headers.set("content-length", String(part.contentLength));
	return headers;
}

/** RFC 9110 §15.4.5: a 304 carries the fields a 200 would have, minus the content ones. */
export function notModifiedHeaders(stored: Headers): Headers {
	const headers = new Headers();
	for (const name of [
		"cache-control",
		"content-location",
		"date",
		"etag",
		"expires",
		"vary",
		"last-modified",
	]) {
		const value = stored.get(name);
		if (value !== null) headers.set(name, value);
	}
	return headers;
}
