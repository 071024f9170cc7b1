/**
 * The origin fetch of the Node and Deno adapters, over node:http(s) instead of the global
 * fetch. Both runtimes' fetch follows the Fetch standard where a proxy must not:
 *
 * - It decompresses a gzip, deflate or br body and keeps Content-Encoding and
 *   Content-Length as received, with no way to turn it off (Bun's has `decompress: false`).
 *   The edge would pass decoded bytes on as gzip, under the encoded length, and store them.
 * - It sends a Host of its own, the origin's address, not the routed authority the edge
 *   sets (origin-fetch.ts): an origin serving several names answers for the wrong one.
 * - It adds request fields the client never sent: Accept-Encoding (so the origin compresses
 *   an answer stored for clients that asked for none), Accept-Language: * (Node and Deno),
 *   Sec-Fetch-Mode (Node).
 *
 * node:http sends exactly the fields given and hands the body over as it came. Deno
 * implements node:http too, so one client serves both. Runtime-free otherwise: a Request
 * in, a Response out, as `OriginFetch` says.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import type { OriginFetch } from "../proxy/origin-fetch.ts";

/** Connections kept open between calls, as the global fetch does. */
const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

/** Statuses whose Response may carry no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export const nodeHttpFetch: OriginFetch = (request) =>
	new Promise<Response>((resolve, reject) => {
		const url = new URL(request.url);
		const https = url.protocol === "https:";
		if (!https && url.protocol !== "http:") {
			reject(new TypeError(`not an http(s) URL: ${url.protocol}`));
			return;
		}
		const signal = request.signal;
		if (signal.aborted) {
			reject(signal.reason);
			return;
		}
		// Every field as given, Host included; a Headers is already one value per name.
		const headers: Record<string, string> = {};
		for (const [name, value] of request.headers) headers[name] = value;
		const options = {
			method: request.method,
			headers,
			agent: https ? httpsAgent : httpAgent,
			hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
			port: url.port === "" ? (https ? 443 : 80) : Number(url.port),
			path: `${url.pathname}${url.search}`,
			...(url.username === ""
				? {}
				: { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` }),
		};
		const outgoing = (https ? httpsRequest : httpRequest)(options, (incoming) => {
			signal.removeEventListener("abort", onAbort);
			try {
				resolve(toResponse(request, incoming, signal));
			} catch (error) {
				incoming.destroy();
				reject(error);
			}
		});
		const onAbort = () => {
			outgoing.destroy(signal.reason instanceof Error ? signal.reason : undefined);
			reject(signal.reason);
		};
		signal.addEventListener("abort", onAbort, { once: true });
		outgoing.on("error", (error) => {
			signal.removeEventListener("abort", onAbort);
			reject(error);
		});
		if (request.body === null) outgoing.end();
		else
			Readable.fromWeb(request.body as import("node:stream/web").ReadableStream)
				.on("error", (error) => outgoing.destroy(error))
				.pipe(outgoing);
	});

function toResponse(request: Request, incoming: IncomingMessage, signal: AbortSignal): Response {
	const status = incoming.statusCode ?? 0;
	const headers = new Headers();
	// rawHeaders keeps repeated fields (Set-Cookie) as separate lines.
	const raw = incoming.rawHeaders;
	for (let i = 0; i + 1 < raw.length; i += 2)
		headers.append(raw[i] as string, raw[i + 1] as string);
	const bodiless = request.method === "HEAD" || NULL_BODY_STATUSES.has(status);
	if (bodiless) incoming.resume();
	// Aborting after the head stops the body too: the stream errors, the socket is closed.
	const stop = () => incoming.destroy(signal.reason instanceof Error ? signal.reason : undefined);
	signal.addEventListener("abort", stop, { once: true });
	incoming.once("close", () => signal.removeEventListener("abort", stop));
	// A body cut short (a reset, a close before Content-Length or the last chunk) makes
	// IncomingMessage emit an error, which errors this stream: never a clean end.
	const body = bodiless
		? null
		: (Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array>);
	return new Response(body, { status, statusText: incoming.statusMessage ?? "", headers });
}
