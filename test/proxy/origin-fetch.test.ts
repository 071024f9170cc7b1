/**
 * callOrigin with an injected fetch and a ManualTimers clock: the deadline on the head holds
 * whatever the fetch does with its signal, and a client that leaves is not the origin's
 * failure. (Over real HTTP: origin-calls.test.ts.)
 */
import { describe, expect, test } from "bun:test";
import { ManualTimers } from "../../edge/lock/timers.ts";
import { callOrigin, type OriginFetch } from "../../edge/proxy/origin-fetch.ts";

const TIMEOUT_MS = 1000;

function call(timers: ManualTimers, lines: string[], clientSignal?: AbortSignal) {
	return {
		url: "http://10.0.0.5:8080/x",
		method: "GET",
		host: "cdn.test",
		scheme: "http",
		headers: new Headers(),
		body: null,
		timeoutMs: TIMEOUT_MS,
		timers,
		clientSignal,
		log: (line: string) => void lines.push(line),
		hopName: "h1",
	};
}

describe("callOrigin", () => {
	test("a fetch that ignores its signal still ends in a 504 at the deadline", async () => {
		const timers = new ManualTimers(0);
		const lines: string[] = [];
		let answer: (response: Response) => void = () => {};
		let lateBodyCancelled = false;
		const deaf: OriginFetch = () =>
			new Promise((resolve) => {
				answer = resolve;
			});
		const result = callOrigin(deaf, call(timers, lines));
		timers.advance(TIMEOUT_MS);
		expect(await result).toEqual({
			ok: false,
			status: 504,
			reason: "origin timeout",
			kind: "timeout",
		});
		expect(lines).toEqual([
			"WARN origin timeout: GET http://10.0.0.5:8080/x: no response head in 1000 ms",
		]);
		// The answer that comes after all is not left holding its connection.
		answer(
			new Response(
				new ReadableStream({
					cancel() {
						lateBodyCancelled = true;
					},
				}),
			),
		);
		for (let i = 0; i < 5; i++) await Promise.resolve();
		expect(lateBodyCancelled).toBe(true);
	});

	test("an origin URL's credentials are in no WARN line, nor in the runtime's message", async () => {
		const timers = new ManualTimers(0);
		const lines: string[] = [];
		const url = "http://edge-user:s3cret@10.0.0.5:8080/x";
		const refusing: OriginFetch = async (request) => {
			throw new Error(`Unable to connect to ${request.url}`);
		};
		const result = await callOrigin(refusing, { ...call(timers, lines), url });
		expect(result).toEqual({
			ok: false,
			status: 502,
			reason: "origin unreachable",
			kind: "unreachable",
		});
		// Before: "WARN origin unreachable: GET http://edge-user:s3cret@10.0.0.5:8080/x: ..."
		expect(lines).toEqual([
			"WARN origin unreachable: GET http://***@10.0.0.5:8080/x: Unable to connect to http://***@10.0.0.5:8080/x",
		]);
	});

	test("a client that leaves before the head: 499, the origin call stopped, no WARN", async () => {
		const timers = new ManualTimers(0);
		const lines: string[] = [];
		const client = new AbortController();
		let originSignal: AbortSignal | undefined;
		const hung: OriginFetch = (request) => {
			originSignal = request.signal;
			return new Promise(() => {});
		};
		const result = callOrigin(hung, call(timers, lines, client.signal));
		client.abort();
		expect(await result).toEqual({
			ok: false,
			status: 499,
			reason: "client closed the request",
			kind: "client-gone",
		});
		expect(originSignal?.aborted).toBe(true);
		expect(lines).toEqual([]);
	});

	test("a response without Date gets the time it was received", async () => {
		const timers = new ManualTimers(Date.UTC(2001, 0, 1, 12));
		const answered: OriginFetch = async () => {
			timers.advance(500);
			return new Response("ok");
		};
		const result = await callOrigin(answered, call(timers, []));
		if (!result.ok) throw new Error(result.reason);
		expect(result.responseTimeMs).toBe(Date.UTC(2001, 0, 1, 12, 0, 0, 500));
		expect(result.response.headers.get("date")).toBe("Mon, 01 Jan 2001 12:00:00 GMT");
	});
});
