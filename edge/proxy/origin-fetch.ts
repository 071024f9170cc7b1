/**
 * Calling the origin: hop-by-hop fields removed both ways (RFC 9110 §7.6.1), Host set to the
 * authority the request is routed and keyed by, Via added to the request (§7.6.3) and this
 * edge's CDN-Loop member (RFC 8586, http/cdn-loop.ts), an OPTIONS's Max-Forwards counted
 * down (§7.6.2), the client's address to its X-Forwarded-For (http/forwarded-for.ts) and
 * our Surrogate-Capability (http/surrogate-control.ts), a GET's or HEAD's Accept-Encoding
 * reduced to the codings variants are keyed by (RFC 9111 §4.1) and its unkeyed override
 * fields dropped (http/unkeyed-overrides.ts), Date added to a
 * response that has none (§6.6.1), bytes and Content-Encoding passed through untouched
 * (Bun's fetch would otherwise decompress), and errors turned into values the proxy maps
 * to 502 or 504.
 *
 * Two clocks bound a call, both `timeoutMs` long: one for the response's head (a 504 when
 * it runs out), then one between body chunks (origin-body.ts). A deadline on the whole call
 * would cut any large or streamed body that takes longer in all, however steadily it comes.
 */

import { originAcceptEncoding } from "../http/accept-encoding.ts";
import { appendCdnLoop } from "../http/cdn-loop.ts";
import { appendForwardedFor } from "../http/forwarded-for.ts";
import { withoutHopByHop } from "../http/hop-by-hop.ts";
import { formatHttpDate } from "../http/http-date.ts";
import { maxForwardsStep } from "../http/max-forwards.ts";
import { SURROGATE_CAPABILITY } from "../http/surrogate-control.ts";
import { replaceUnkeyedOverrides } from "../http/unkeyed-overrides.ts";
import { withoutCredentials } from "../http/userinfo.ts";
import { appendVia } from "../http/via.ts";
import type { Timers } from "../lock/timers.ts";
import { bodyFailureReason } from "./body-failure-reason.ts";
import { type BodyFailure, guardOriginBody } from "./origin-body.ts";
import {
	FAILURE_STATUS,
	FAILURE_TEXT,
	failureDetail,
	failureKind,
	type OriginFailureKind,
	type OriginFailureStatus,
} from "./origin-failure.ts";

/** The fetch the proxy uses; tests inject one that calls an in-process origin. */
export type OriginFetch = (request: Request) => Promise<Response>;

/** Bun's fetch option that keeps compressed bodies compressed. Other runtimes ignore it. */
const PASS_THROUGH = { decompress: false } as RequestInit;

export const networkFetch: OriginFetch = (request) => fetch(request, PASS_THROUGH);

export type OriginResult =
	| {
			readonly ok: true;
			readonly response: Response;
			readonly requestTimeMs: number;
			readonly responseTimeMs: number;
			/**
			 * The request fields the origin was sent: what its answer answers, and so what a
			 * stored copy's Vary variant must be keyed by, not the client's fields (a client's
			 * Connection may have named some of them hop-by-hop, and this call adds others).
			 */
			readonly sentHeaders: Headers;
	  }
	| {
			readonly ok: false;
			readonly status: OriginFailureStatus;
			/** A short line for the client's body: the kind of failure, not the origin's address. */
			readonly reason: string;
			readonly kind: OriginFailureKind;
	  };

/** A line for the edge's log, level first ("WARN ..."), as node.ts writes its own. */
export type LogLine = (line: string) => void;

export const logToStderr: LogLine = (line) => console.error(line);

export interface OriginCall {
	readonly url: string;
	readonly method: string;
	/**
	 * The authority the request was routed and keyed by (RequestTarget.host), sent as Host
	 * whatever the client spelled: an origin that serves several names must answer for the
	 * one its answer is stored under ("%73hop.example" keys as shop.example).
	 */
	readonly host: string;
	/** The scheme of the URL the request is keyed by ("http", "https"). */
	readonly scheme: string;
	readonly headers: Headers;
	readonly body: ReadableStream<Uint8Array> | null;
	/** How long to wait for the response's head, and then for each chunk of its body. */
	readonly timeoutMs: number;
	/** The edge's clock and timers: request and response times, Date, both deadlines. */
	readonly timers: Timers;
	/**
	 * The client's signal, for a forward only that client waits on: once it leaves, the
	 * origin call stops costing the origin. A fill passes none: others wait on it.
	 */
	readonly clientSignal?: AbortSignal | undefined;
	/** Where failures are logged with their detail; stderr by default. */
	readonly log?: LogLine | undefined;
	/** The address the client's request came from, when the runtime tells it. */
	readonly clientAddress?: string | undefined;
	/** This edge instance's name in CDN-Loop (http/cdn-loop.ts). */
	readonly hopName: string;
}

export async function callOrigin(
	fetchOrigin: OriginFetch,
	call: OriginCall,
): Promise<OriginResult> {
	// Origin credentials (userinfo) never reach the log: not in the URL, nor in the runtime's
	// messages, which name the URL too.
	const toLog = call.log ?? logToStderr;
	const log = (line: string) => toLog(withoutCredentials(line, call.url));
	const what = `${call.method} ${call.url}`;
	const headers = withoutHopByHop(call.headers);
	// Set after the hop-by-hop removal, so `Connection: host` cannot take it away either:
	// without one the runtime would send the origin's own address as Host.
	headers.set("host", call.host);
	appendVia(headers);
	appendCdnLoop(headers, call.hopName);
	if (call.method === "OPTIONS") {
		// A Max-Forwards of 0 was answered by the edge (app.ts) and never comes here.
		const step = maxForwardsStep(headers.get("max-forwards"));
		if (step.kind === "forward" && step.value !== undefined)
			headers.set("max-forwards", step.value);
	}
	appendForwardedFor(headers, call.clientAddress);
	// Which Surrogate-Control directives are ours (surrogate-control.ts). Set, not appended:
	// a client's claim to be a surrogate could change what the origin serves to everyone.
	headers.set("surrogate-capability", SURROGATE_CAPABILITY);
	if (call.method === "GET" || call.method === "HEAD") {
		// Only the codings the cache keys variants by, or one variant's body would reach a
		// client of the same variant that cannot decode it (accept-encoding.ts).
		const acceptEncoding = originAcceptEncoding(headers.get("accept-encoding"));
		if (acceptEncoding !== null) headers.set("accept-encoding", acceptEncoding);
		// An answer that may be stored: nothing unkeyed may change what the origin serves.
		replaceUnkeyedOverrides(headers, call.scheme);
	}
	// `stop` is ours (the deadlines); the client's signal, when given, can stop the call too.
	const stop = new AbortController();
	const signal =
		call.clientSignal === undefined
			? stop.signal
			: AbortSignal.any([stop.signal, call.clientSignal]);
	const init: RequestInit = { method: call.method, headers, redirect: "manual", signal };
	if (call.body !== null && call.method !== "GET" && call.method !== "HEAD") {
		init.body = call.body;
		(init as { duplex?: string }).duplex = "half";
	}
	const requestTimeMs = call.timers.now();
	const headDeadline = call.timers.after(call.timeoutMs, () =>
		stop.abort(new DOMException(`no response head in ${call.timeoutMs} ms`, "TimeoutError")),
	);
	let response: Response;
	try {
		response = await untilAborted(fetchOrigin(new Request(call.url, init)), signal);
	} catch (error) {
		const kind: OriginFailureKind = stop.signal.aborted
			? "timeout"
			: call.clientSignal?.aborted
				? "client-gone"
				: failureKind(error);
		// A client that left is no fault of the origin's: nothing to warn about.
		if (kind !== "client-gone") log(`WARN ${FAILURE_TEXT[kind]}: ${what}: ${failureDetail(error)}`);
		return failed(kind);
	} finally {
		headDeadline.cancel();
	}
	const responseTimeMs = call.timers.now();
	// A status the Response constructor refuses (Bun's fetch passes `999 Weird` on).
	if (response.status < 200 || response.status > 599) {
		void response.body?.cancel().catch(() => {});
		log(`WARN ${FAILURE_TEXT["invalid-response"]}: ${what}: status ${response.status}`);
		return failed("invalid-response");
	}
	const responseHeaders = withoutHopByHop(response.headers);
	// RFC 9110 §6.6.1: a recipient with a clock MUST record when a response without Date was
	// received and add it before caching or forwarding. Stored copies then keep it, so a hit
	// says when the response was made and its Age agrees, instead of the runtime stamping now.
	if (!responseHeaders.has("date")) responseHeaders.set("date", formatHttpDate(responseTimeMs));
	const onBodyFailure = (failure: BodyFailure) => {
		if (call.clientSignal?.aborted) return; // the client's leaving cut it, not the origin
		const cause =
			failure.kind === "idle" ? `nothing for ${call.timeoutMs} ms` : failureDetail(failure.error);
		log(`WARN origin body failed: ${what}: ${cause} after ${failure.bytes} bytes`);
	};
	const body =
		response.body === null
			? null
			: guardOriginBody(response.body, {
					idleMs: call.timeoutMs,
					timers: call.timers,
					abort: (reason) => stop.abort(reason),
					failureReason: bodyFailureReason,
					onFailure: onBodyFailure,
				});
	const cleaned = new Response(body, {
		status: response.status,
		statusText: response.statusText,
		headers: responseHeaders,
	});
	return { ok: true, response: cleaned, requestTimeMs, responseTimeMs, sentHeaders: headers };
}

function failed(kind: OriginFailureKind): OriginResult {
	return { ok: false, status: FAILURE_STATUS[kind], reason: FAILURE_TEXT[kind], kind };
}

/**
 * `pending`, or the signal's reason as soon as it aborts, whether or not the fetch heeds
 * its signal (an injected one may not): no call outlives its deadline. An answer that
 * arrives after that has its body cancelled, so its connection is not left open.
 */
function untilAborted(pending: Promise<Response>, signal: AbortSignal): Promise<Response> {
	return new Promise((resolve, reject) => {
		const onAbort = () => {
			reject(signal.reason);
			pending.then(
				(late) => void late.body?.cancel().catch(() => {}),
				() => {},
			);
		};
		if (signal.aborted) return onAbort();
		signal.addEventListener("abort", onAbort, { once: true });
		pending.then(
			(response) => {
				signal.removeEventListener("abort", onAbort);
				resolve(response);
			},
			(error: unknown) => {
				signal.removeEventListener("abort", onAbort);
				reject(error);
			},
		);
	});
}
