/**
 * An origin for coalescing tests: each call takes the next answer of a script (the last
 * one repeats), counts itself, and may be held until the test lets it go, so that
 * concurrent requests can be lined up at the edge in a known order, without sleeping.
 */
import type { OriginFetch } from "../../edge/proxy/origin-fetch.ts";

/** A promise the test settles by hand. */
export interface Deferred<T = void> {
	readonly promise: Promise<T>;
	resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
	let resolve!: (value: T) => void;
	const promise = new Promise<T>((r) => {
		resolve = r;
	});
	return { promise, resolve };
}

/** One scripted origin answer: built when the call arrives, after its gate (if any) opens. */
export interface HeldAnswer {
	readonly gate?: Promise<void>;
	readonly answer: (request: Request) => Response | Promise<Response>;
}

export function heldOrigin(script: readonly HeldAnswer[]) {
	const seen: Request[] = [];
	const arrivals: { count: number; reached: Deferred }[] = [];
	const fetchOrigin: OriginFetch = async (request) => {
		seen.push(request);
		for (const waiting of arrivals) if (seen.length >= waiting.count) waiting.reached.resolve();
		const step = script[Math.min(seen.length, script.length) - 1];
		if (step === undefined) throw new Error("no scripted answer");
		await step.gate;
		return step.answer(request);
	};
	return {
		fetchOrigin,
		/** The requests the origin has seen, in order. */
		seen,
		/** Settles once `count` calls have reached the origin. */
		arrived(count: number): Promise<void> {
			const reached = deferred();
			if (seen.length >= count) reached.resolve();
			else arrivals.push({ count, reached });
			return reached.promise;
		},
	};
}

/** A body that sends `first` and then fails, as an origin that resets mid-body. */
export function breakingBody(first: string): ReadableStream<Uint8Array> {
	return new ReadableStream({
		start(controller) {
			controller.enqueue(new TextEncoder().encode(first));
			controller.error(new Error("origin reset mid-body"));
		},
	});
}

/** Polls `condition` on the event loop (not a timed sleep) until it holds; fails after `ms`. */
export async function until(what: string, condition: () => boolean, ms = 2_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 1));
	}
}

/** A fresh response, as most scripts answer. */
export function fresh(body: string, cacheControl = "max-age=60"): Response {
	return new Response(body, { headers: { "cache-control": cacheControl } });
}

/** Every response's status, Cache-Status and body; a body that breaks reads as "broken". */
export async function outcomes(responses: Promise<Response>[]) {
	return Promise.all(
		responses.map(async (pending) => {
			const response = await pending;
			const body = await response.text().catch(() => "broken");
			return { status: response.status, cacheStatus: response.headers.get("cache-status"), body };
		}),
	);
}
