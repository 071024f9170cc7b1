/**
 * An edge in front of a scripted origin, for conformance scenarios: each origin answer is
 * written in advance, dates are given in seconds relative to the edge's clock (as origins
 * stamp them), and a scenario asserts how many requests reached the origin and what they
 * carried. Time only moves when a scenario says so: no sleeps.
 */
import type { OriginFetch } from "../../../edge/proxy/origin-fetch.ts";
import { CLOCK_START_MS, makeEdge, settle } from "../edge-harness.ts";

/** A header field; a number value is an HTTP-date that many seconds from the clock's now. */
export type ScriptedField = readonly [name: string, value: string | number];

export interface ScriptedAnswer {
	readonly status?: number;
	readonly fields?: readonly ScriptedField[];
	/** Default: a body naming the answer's position in the script ("answer 1", ...). */
	readonly body?: string | null;
}

/** An answer, or a connection failure (what a server that closes the connection gives). */
export type Scripted = ScriptedAnswer | "disconnect";

/** What the origin saw of one request. */
export interface SeenRequest {
	readonly method: string;
	readonly url: string;
	readonly headers: Headers;
}

export interface ScriptedEdgeOptions {
	/** false: the tier offers no lookupSync, so every lookup takes the asynchronous path. */
	readonly syncLookup?: boolean;
	/** The tier's size gate (MemoryTier's maxObjectBytes); its default otherwise. */
	readonly maxObjectBytes?: number;
}

/** RFC 9110 §5.6.7 IMF-fixdate for an epoch-milliseconds instant. */
export function httpDate(ms: number): string {
	return new Date(ms).toUTCString();
}

/** A fixed date a day before every scripted edge's clock starts: a Last-Modified that stays put. */
export const A_DAY_BEFORE_START = httpDate(CLOCK_START_MS - 24 * 3600 * 1000);

export function scriptedEdge(script: readonly Scripted[], options: ScriptedEdgeOptions = {}) {
	const seen: SeenRequest[] = [];
	let now = () => 0;
	const fetchOrigin: OriginFetch = async (request) => {
		seen.push({ method: request.method, url: request.url, headers: new Headers(request.headers) });
		const answer = script[seen.length - 1];
		if (answer === undefined)
			return new Response(`unscripted origin request ${seen.length}`, { status: 599 });
		if (answer === "disconnect") throw new TypeError("origin closed the connection");
		const headers = new Headers();
		for (const [name, value] of answer.fields ?? [])
			headers.append(name, typeof value === "number" ? httpDate(now() + value * 1000) : value);
		const body = answer.body === undefined ? `answer ${seen.length}` : answer.body;
		return new Response(body, { status: answer.status ?? 200, headers });
	};
	const edge = makeEdge({
		fetchOrigin,
		syncLookup: options.syncLookup ?? true,
		...(options.maxObjectBytes === undefined ? {} : { maxObjectBytes: options.maxObjectBytes }),
	});
	now = () => edge.timers.now();

	/** Sends a request, reads its body whole and lets the fill commit, as a client would. */
	const send = async (
		path = "/resource",
		fields: readonly (readonly [string, string])[] = [],
		method = "GET",
	) => {
		const headers: Record<string, string> = {};
		for (const [name, value] of fields) {
			const key = name.toLowerCase();
			headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
		}
		const response = await edge.get(path, headers, method);
		const text = await response.text();
		await settle();
		return { response, status: response.status, headers: response.headers, text };
	};

	return {
		send,
		/** How many requests reached the origin so far. */
		originCalls: () => seen.length,
		/** The origin's view of request n (1-based). */
		seenRequest: (n: number): SeenRequest => {
			const request = seen[n - 1];
			if (request === undefined) throw new Error(`the origin saw no request ${n}`);
			return request;
		},
		/** The edge's tier, for what a scenario cannot see from outside (which keys it holds). */
		tier: edge.tier,
		/** A purge as /_neuro/purge carries it out. */
		purge: edge.edge.purge,
		/** Moves the edge's clock on. */
		pass: (seconds: number) => edge.timers.advance(seconds * 1000),
		/** An HTTP-date this many seconds from the clock's now. */
		dateIn: (seconds: number) => httpDate(edge.timers.now() + seconds * 1000),
	};
}

export interface ReuseProbe {
	/** Seconds between the first response and the second request. */
	readonly after?: number;
	/** Fields of the first request. */
	readonly firstRequest?: readonly (readonly [string, string])[];
	/** Fields of the second request. */
	readonly secondRequest?: readonly (readonly [string, string])[];
	readonly syncLookup?: boolean;
}

/**
 * The suite's most common shape: one response is fetched (and maybe stored), time passes,
 * the same URL is asked for again. True when the second answer came from the cache (the
 * origin saw one request).
 */
export async function reusedAfter(first: ScriptedAnswer, probe: ReuseProbe = {}): Promise<boolean> {
	const edge = scriptedEdge([first, { fields: [["cache-control", "no-store"]] }], {
		syncLookup: probe.syncLookup ?? true,
	});
	await edge.send("/resource", probe.firstRequest ?? []);
	edge.pass(probe.after ?? 0);
	await edge.send("/resource", probe.secondRequest ?? []);
	return edge.originCalls() === 1;
}
