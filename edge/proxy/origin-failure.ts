/**
 * An origin call that failed, in two forms: a fixed line for the client that names the kind
 * of failure and nothing about the origin, and the detail for the edge's log. The runtime's
 * fetch errors name the origin's address (Bun: `InvalidContentLength fetching
 * "http://10.0.0.5:8080/x"`), which is the operator's to know, not every client's: they
 * never reach a response body.
 */

export type OriginFailureKind = "timeout" | "invalid-response" | "unreachable" | "client-gone";

/** What the client is told: the kind of failure, never text taken from the error. */
export const FAILURE_TEXT: Readonly<Record<OriginFailureKind, string>> = {
	timeout: "origin timeout",
	"invalid-response": "origin sent an invalid response",
	unreachable: "origin unreachable",
	"client-gone": "client closed the request",
};

/**
 * 504 when the origin did not answer in time, 502 when it could not be reached or answered
 * with something that is not HTTP (RFC 9110 §15.6.3, §15.6.5). A client that left gets 499,
 * nginx's "client closed request": nobody reads it, but the access log and metrics then
 * say what happened rather than blaming the origin.
 */
export const FAILURE_STATUS = {
	timeout: 504,
	"invalid-response": 502,
	unreachable: 502,
	"client-gone": 499,
} as const satisfies Readonly<Record<OriginFailureKind, number>>;

export type OriginFailureStatus = (typeof FAILURE_STATUS)[OriginFailureKind];

/**
 * Bun's codes for an answer it could not parse as HTTP: bad framing (InvalidContentLength,
 * InvalidHTTPResponse for broken chunked encoding), a status line or header it cannot read
 * (Malformed_HTTP_Response), a framing it does not implement (UnsupportedTransferEncoding:
 * `Transfer-Encoding: foo` without chunked, whose body would run to the connection's close).
 */
const INVALID_RESPONSE_CODE = /^(Invalid|Malformed|Unsupported)/;

/** The kind of a fetch that threw, when neither our deadline nor the client stopped it. */
export function failureKind(error: unknown): Exclude<OriginFailureKind, "client-gone"> {
	const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
	// An injected fetch (tests, other runtimes) may enforce a deadline of its own.
	if (name === "TimeoutError" || name === "AbortError") return "timeout";
	if (typeof code === "string" && INVALID_RESPONSE_CODE.test(code)) return "invalid-response";
	return "unreachable";
}

/** The error's message on one line, without Bun's advice to pass `verbose: true`. */
export function failureDetail(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message
		.replace(/\.? For more information, pass `verbose: true`[\s\S]*$/, "")
		.replace(/\s+/g, " ")
		.trim();
}
