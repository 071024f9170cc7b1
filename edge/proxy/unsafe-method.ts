/**
 * A method other than GET and HEAD: passed to the origin as sent, nothing stored, and a
 * success invalidates what it may have changed (RFC 9111 §4.4).
 */
import type { Context } from "hono";
import { urisToInvalidate } from "../http/invalidation.ts";
import { type Forward, failureStatus } from "./forward.ts";
import type { RequestTarget } from "./request-target.ts";
import { plain, type Responder } from "./respond.ts";

export interface UnsafeMethodDeps {
	readonly forward: Forward;
	readonly respond: Responder;
	/** Drops a URL and all its variants. */
	readonly purgeUrl: (url: string) => Promise<unknown>;
}

export async function forwardUnsafe(
	deps: UnsafeMethodDeps,
	request: Request,
	target: RequestTarget,
	c: Context | undefined,
): Promise<Response> {
	const { respond } = deps;
	const { hostLabel } = target;
	const result = await deps.forward(
		request,
		target,
		request.method,
		request.headers,
		request.signal,
		c,
	);
	if (!result.ok)
		return respond.finish(
			request,
			hostLabel,
			plain(result.status, result.reason),
			"method",
			failureStatus(result.kind),
		);
	for (const uri of urisToInvalidate({
		method: request.method,
		status: result.response.status,
		targetUri: target.cacheUrl,
		responseHeaders: result.response.headers,
	})) {
		await deps.purgeUrl(uri);
	}
	return respond.finish(request, hostLabel, result.response, "method", {
		fwdStatus: result.response.status,
	});
}
