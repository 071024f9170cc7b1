/**
 * Calling the origin: hop-by-hop fields removed both ways (RFC 9110 §7.6.1), bytes and
 * Content-Encoding passed through untouched (Bun's fetch would otherwise decompress), a
 * deadline, and errors turned into values the proxy maps to 502 or 504.
 */
import { withoutHopByHop } from "../http/hop-by-hop.ts";

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
	  }
	| { readonly ok: false; readonly status: 502 | 504; readonly reason: string };

export interface OriginCall {
	readonly url: string;
	readonly method: string;
	readonly headers: Headers;
	readonly body: ReadableStream<Uint8Array> | null;
	readonly timeoutMs: number;
	readonly now: () => number;
}

export async function callOrigin(
	fetchOrigin: OriginFetch,
	call: OriginCall,
): Promise<OriginResult> {
	const headers = withoutHopByHop(call.headers);
	const init: RequestInit = {
		method: call.method,
		headers,
		redirect: "manual",
		signal: AbortSignal.timeout(call.timeoutMs),
	};
	if (call.body !== null && call.method !== "GET" && call.method !== "HEAD") {
		init.body = call.body;
		(init as { duplex?: string }).duplex = "half";
	}
	const requestTimeMs = call.now();
	try {
		const response = await fetchOrigin(new Request(call.url, init));
		const cleaned = new Response(response.body, {
			status: response.status,
			statusText: response.statusText,
			headers: withoutHopByHop(response.headers),
		});
		return { ok: true, response: cleaned, requestTimeMs, responseTimeMs: call.now() };
	} catch (error) {
		const name = (error as Error).name;
		if (name === "TimeoutError" || name === "AbortError")
			return { ok: false, status: 504, reason: "origin timeout" };
		return { ok: false, status: 502, reason: `origin unreachable: ${(error as Error).message}` };
	}
}
