/**
 * The origin body's guard (edge/proxy/origin-body.ts) on in-memory streams: the idle clock
 * is a ManualTimers the test moves, and the origin is a stream the test feeds by hand.
 */
import { describe, expect, test } from "bun:test";
import { ManualTimers } from "../../edge/lock/timers.ts";
import { type BodyFailure, guardOriginBody } from "../../edge/proxy/origin-body.ts";

const IDLE_MS = 1000;
/** What the guard errors its stream with: never the origin's own error. */
const BODY_FAILED = new Error("body failed");
const bytes = (text: string) => new TextEncoder().encode(text);

/** An origin body the test writes to, and a guard around it that records what it reports. */
function guarded() {
	const timers = new ManualTimers(0);
	let source: ReadableStreamDefaultController<Uint8Array> | undefined;
	let cancelled: unknown = "not cancelled";
	const origin = new ReadableStream<Uint8Array>({
		start(controller) {
			source = controller;
		},
		cancel(reason) {
			cancelled = reason;
		},
	});
	const failures: BodyFailure[] = [];
	const aborts: unknown[] = [];
	const body = guardOriginBody(origin, {
		idleMs: IDLE_MS,
		timers,
		abort: (reason) => aborts.push(reason),
		failureReason: () => BODY_FAILED,
		onFailure: (failure) => failures.push(failure),
	});
	const send = (text: string) => source?.enqueue(bytes(text));
	return {
		timers,
		body,
		send,
		end: () => source?.close(),
		fail: (error: unknown) => source?.error(error),
		failures,
		aborts,
		cancelled: () => cancelled,
	};
}

/** What the tests need of a reader (Bun's and the DOM's reader types differ). */
interface ByteReader {
	read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
}

async function readText(reader: ByteReader): Promise<string | null> {
	const { done, value } = await reader.read();
	return done ? null : new TextDecoder().decode(value);
}

describe("the origin body's guard", () => {
	test("passes the body through and ends with it, reporting nothing", async () => {
		const origin = guarded();
		const reader = origin.body.getReader();
		origin.send("ab");
		expect(await readText(reader)).toBe("ab");
		origin.send("cd");
		origin.end();
		expect(await readText(reader)).toBe("cd");
		expect(await readText(reader)).toBeNull();
		expect(origin.failures).toEqual([]);
		expect(origin.timers.pending).toBe(0);
	});

	test("a body may take any time in all while no gap reaches the idle timeout", async () => {
		const origin = guarded();
		const reader = origin.body.getReader();
		let text = "";
		for (let i = 0; i < 5; i++) {
			const next = readText(reader);
			origin.timers.advance(IDLE_MS - 1);
			origin.send(String(i));
			text += await next;
		}
		origin.end();
		expect(await readText(reader)).toBeNull();
		expect(text).toBe("01234");
		expect(origin.failures).toEqual([]);
	});

	test("a read that waits the idle timeout fails the stream, aborts the call, reports once", async () => {
		const origin = guarded();
		const reader = origin.body.getReader();
		origin.send("half");
		expect(await readText(reader)).toBe("half");
		const next = reader.read();
		origin.timers.advance(IDLE_MS);
		await expect(next).rejects.toBe(BODY_FAILED);
		expect(origin.failures).toEqual([{ kind: "idle", bytes: 4 }]);
		expect(origin.aborts).toHaveLength(1);
		expect(origin.cancelled()).not.toBe("not cancelled");
	});

	test("the clock does not run while the reader is slow to take what came", async () => {
		const origin = guarded();
		const reader = origin.body.getReader();
		origin.send("ready");
		// Give the guard's first pull time to take the chunk; nothing reads it for a long while.
		for (let i = 0; i < 10; i++) await Promise.resolve();
		origin.timers.advance(10 * IDLE_MS);
		expect(await readText(reader)).toBe("ready");
		expect(origin.failures).toEqual([]);
	});

	test("an origin failure is reported with its error; the reader gets the guard's reason", async () => {
		const origin = guarded();
		const reader = origin.body.getReader();
		origin.send("abc");
		expect(await readText(reader)).toBe("abc");
		const broken = new TypeError("InvalidHTTPResponse");
		origin.fail(broken);
		await expect(reader.read()).rejects.toBe(BODY_FAILED);
		expect(origin.failures).toEqual([{ kind: "error", error: broken, bytes: 3 }]);
		expect(origin.timers.pending).toBe(0);
	});

	test("a reader that cancels cancels the origin's body, and nothing is reported", async () => {
		const origin = guarded();
		const reader = origin.body.getReader();
		origin.send("abc");
		expect(await readText(reader)).toBe("abc");
		await reader.cancel("client left");
		expect(origin.cancelled()).toBe("client left");
		origin.timers.advance(10 * IDLE_MS);
		expect(origin.failures).toEqual([]);
	});
});
