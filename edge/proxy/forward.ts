/**
 * One trip to the origin for a request's target, as the proxy makes it: timed into the
 * origin latency histogram, failures logged (a few lines a second at most), and the tier's
 * purge mark taken before the request leaves.
 */
import type { Context } from "hono";
import type { CacheStatusParams } from "../http/cache-status.ts";
import type { Timers } from "../lock/timers.ts";
import type { Histogram } from "../metrics/registry.ts";
import type { PurgeMark, Storage } from "../store/storage.ts";
import type { OriginFailureKind } from "./origin-failure.ts";
import { callOrigin, type LogLine, type OriginFetch, type OriginResult } from "./origin-fetch.ts";
import { rateLimitedLog } from "./rate-limited-log.ts";
import type { RequestTarget } from "./request-target.ts";

/** An origin answer, with the tier's purge mark from when the request went out. */
export type ForwardResult =
	| (Extract<OriginResult, { ok: true }> & { readonly purgeMark: PurgeMark | undefined })
	| Extract<OriginResult, { ok: false }>;

/**
 * The address a request came from, for the origin's X-Forwarded-For; `c` is the Hono
 * context when the request came through the router, undefined on the direct path.
 */
export type ClientAddress = (request: Request, c: Context | undefined) => string | undefined;

export type ForwardAnswer = Extract<ForwardResult, { ok: true }>;

/**
 * Calls the origin for `target` with `method` and `headers`, the request's body, and
 * `clientSignal` when only that client waits on the answer (`c`: the runtime's context,
 * asked for the client's address).
 */
export type Forward = (
	request: Request,
	target: RequestTarget,
	method: string,
	headers: Headers,
	clientSignal: AbortSignal | undefined,
	c: Context | undefined,
) => Promise<ForwardResult>;

export interface ForwardDeps {
	readonly tier: Pick<Storage, "purgeMark">;
	readonly fetchOrigin: OriginFetch;
	readonly timers: Timers;
	readonly originTimeoutMs: number;
	readonly pop: string;
	/** neuro_origin_duration_seconds, by pop and host label. */
	readonly originSeconds: Histogram;
	readonly log: LogLine;
	readonly clientAddress?: ClientAddress | undefined;
	/** This edge instance's name in CDN-Loop (http/cdn-loop.ts). */
	readonly hopName: string;
}

export function createForward(deps: ForwardDeps): Forward {
	const { tier, fetchOrigin, timers } = deps;
	// Origin failures under load would write a line per request: a few a second say as much.
	const originLog = rateLimitedLog(deps.log, () => timers.now());
	return async (request, target, method, headers, clientSignal, c) => {
		const started = timers.now();
		// Before the request leaves: a purge while the origin is still answering must reach
		// the write its answer opens later (Storage.purgeMark).
		const purgeMark = tier.purgeMark?.();
		const result = await callOrigin(fetchOrigin, {
			url: target.originUrl,
			method,
			host: target.host,
			scheme: target.scheme,
			headers,
			body: request.body,
			timeoutMs: deps.originTimeoutMs,
			timers,
			clientSignal,
			log: originLog,
			clientAddress: deps.clientAddress?.(request, c),
			hopName: deps.hopName,
		});
		// By label, not by Host: hosts the default origin serves would each add a series.
		// The clock is the wall clock in production: a step back (NTP, an operator) during the
		// call would record a negative duration, pulling the histogram's sum down; none is 0.
		const seconds = Math.max(0, timers.now() - started) / 1000;
		deps.originSeconds.observe({ pop: deps.pop, host: target.hostLabel }, seconds);
		return result.ok ? { ...result, purgeMark } : result;
	};
}

/**
 * Cache-Status for an answer the edge made because the origin gave none: RFC 9211 reads a
 * `fwd` without `fwd-status` as the origin having answered with the response's own status,
 * so the detail says what happened instead ("origin-unreachable", "origin-timeout"...).
 */
export function failureStatus(kind: OriginFailureKind): CacheStatusParams {
	return { detail: `origin-${kind}` };
}

/**
 * How a forward that got no usable answer ends its turn. An origin that sent something that
 * is not HTTP did answer, badly: an error, as a 5xx is, for which stale-if-error may serve a
 * stale copy; only one that gave no answer at all (refused, reset, timed out) is
 * "disconnected" (RFC 9111 §4.2.4), when the stale-if-unreachable rule applies.
 */
export function writerFailureOf(kind: OriginFailureKind): "error" | "unreachable" {
	return kind === "invalid-response" ? "error" : "unreachable";
}
