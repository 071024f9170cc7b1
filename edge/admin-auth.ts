/**
 * The admin routes' bearer token (RFC 6750): purge, and the raw L0 routes, which can read
 * and overwrite any cached object. Without a configured token those routes are off, never
 * open: a node started without one must not let anyone on the edge port purge or poison it.
 * The control plane's API checks the same token with `checkBearer` (cluster/kv/api-auth.ts).
 */

/** How a request's Authorization header stands against the token. */
export type BearerCheck = "ok" | "missing" | "wrong";

/** The refusal for a request whose credentials are not the token, or undefined to go on. */
export function adminRefusal(
	authorization: string | undefined,
	token: string | undefined,
	feature: string,
): Response | undefined {
	if (token === undefined) return refusal(403, `${feature} is disabled: no admin token configured`);
	if (checkBearer(authorization, token) !== "ok")
		return refusal(401, "bad or missing bearer token", { "www-authenticate": "Bearer" });
	return undefined;
}

/**
 * Whether `authorization` is `Bearer <token>`: "missing" when it carries no bearer
 * credentials at all (absent, or another scheme), "wrong" when they are not `token`.
 * An empty `token` matches nothing: `Bearer ` with nothing after it is no credential.
 */
export function checkBearer(authorization: string | undefined, token: string): BearerCheck {
	const given = authorization === undefined ? undefined : bearerCredentials(authorization);
	if (given === undefined) return "missing";
	return token !== "" && sameText(given, token) ? "ok" : "wrong";
}

/**
 * The token of `Bearer <token>`, or undefined for another scheme. RFC 9110 §11.1: the scheme
 * is a case-insensitive token, and one or more spaces part it from the credentials
 * (§11.4), so "bearer" and "BEARER" are the same scheme; the token itself is compared exactly.
 */
function bearerCredentials(authorization: string): string | undefined {
	const match = /^bearer +(.*)$/i.exec(authorization);
	return match?.[1];
}

function refusal(status: number, message: string, extra: Record<string, string> = {}): Response {
	return new Response(`${message}\n`, {
		status,
		headers: { "content-type": "text/plain; charset=utf-8", ...extra },
	});
}

/** Compares every character whatever the first difference, so timing does not tell where it is. */
function sameText(given: string, expected: string): boolean {
	let difference = given.length ^ expected.length;
	for (let i = 0; i < expected.length; i++)
		difference |= (given.charCodeAt(i) | 0) ^ expected.charCodeAt(i);
	return difference === 0;
}
