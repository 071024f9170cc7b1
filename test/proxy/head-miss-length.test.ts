/**
 * A HEAD that misses is filled with a GET. When the origin sends that body chunked, nobody
 * knows its length when the HEAD is answered: the answer must carry no Content-Length
 * rather than `Content-Length: 0`, which tells the client the GET's body is empty (RFC 9110
 * §8.6, §9.3.2). Checked in process and through the Bun adapter (edge/runtime/bun.ts) over
 * raw TCP, since Bun is what would write a length for a bodiless answer.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ManualTimers } from "../../edge/lock/timers.ts";
import { type BunServer, serveBun } from "../../edge/runtime/bun.ts";
import { rawRequest } from "./raw-client.ts";
import { type RawOrigin, startRawOrigin } from "./raw-origin.ts";
import { edgeBefore } from "./served-edge.ts";

const BODY = "x".repeat(500);
const answer = (cacheControl: string, framing: "chunked" | "length") =>
	`HTTP/1.1 200 OK\r\nCache-Control: ${cacheControl}\r\nContent-Type: text/plain\r\n${
		framing === "chunked"
			? `Transfer-Encoding: chunked\r\n\r\n${BODY.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n`
			: `Content-Length: ${BODY.length}\r\n\r\n${BODY}`
	}`;

const ORIGIN_PATHS = {
	"/chunked": (ex: { write(text: string): void }) => ex.write(answer("max-age=600", "chunked")),
	"/chunked-no-store": (ex: { write(text: string): void }) =>
		ex.write(answer("no-store", "chunked")),
	"/sized": (ex: { write(text: string): void }) => ex.write(answer("max-age=600", "length")),
};

let running: { origin: RawOrigin; server?: BunServer } | undefined;
afterEach(async () => {
	await running?.server?.drain(1000);
	running?.origin.stop();
	running = undefined;
});

function edgeBeforeOrigin() {
	const origin = startRawOrigin(ORIGIN_PATHS);
	running = { origin };
	return edgeBefore(origin.url, new ManualTimers(0), 60_000);
}

const head = (path: string) =>
	`HEAD ${path} HTTP/1.1\r\nHost: cdn.test\r\nConnection: close\r\n\r\n`;

describe("a HEAD miss whose GET the origin sends chunked", () => {
	test("in process: the answer carries no Content-Length", async () => {
		const edge = edgeBeforeOrigin();
		for (const path of ["/chunked", "/chunked-no-store"]) {
			const response = await edge.app.fetch(
				new Request(`http://cdn.test${path}`, { method: "HEAD" }),
			);
			expect(response.status).toBe(200);
			expect(response.headers.get("content-length")).toBeNull();
			expect(await response.text()).toBe("");
		}
	});

	test("through the Bun adapter: no Content-Length, no body; a known length is kept", async () => {
		const edge = edgeBeforeOrigin();
		const server = serveBun(edge.app.fetch, { hostname: "127.0.0.1", port: 0 });
		if (running !== undefined) running.server = server;
		const url = `http://127.0.0.1:${server.port}`;
		for (const path of ["/chunked", "/chunked-no-store"]) {
			const miss = await rawRequest(url, head(path));
			expect(miss.status).toBe(200);
			expect(miss.fields.get("cache-status")).toContain("fwd=uri-miss");
			expect(miss.fields.has("content-length")).toBe(false);
			expect(miss.body).toBe("");
		}
		// Stored by that fill, the HEAD is a hit and knows the length (respond.ts headAnswer).
		const hit = await rawRequest(url, head("/chunked"));
		expect(hit.fields.get("cache-status")).toContain("hit");
		expect(hit.fields.get("content-length")).toBe(String(BODY.length));
		// An origin that sent a length: the miss's answer carries it.
		const sized = await rawRequest(url, head("/sized"));
		expect(sized.fields.get("cache-status")).toContain("fwd=uri-miss");
		expect(sized.fields.get("content-length")).toBe(String(BODY.length));
		expect(sized.body).toBe("");
	});

	test("the edge's own error answers to a HEAD carry the length their GET's would", async () => {
		const edge = edgeBeforeOrigin();
		const server = serveBun(edge.app.fetch, { hostname: "127.0.0.1", port: 0 });
		if (running !== undefined) running.server = server;
		const url = `http://127.0.0.1:${server.port}`;
		// A target longer than the cache keys: 414, answered by the edge itself (respond.ts plain).
		const long = `/${"a".repeat(9000)}`;
		const bad = (method: string) =>
			`${method} ${long} HTTP/1.1\r\nHost: cdn.test\r\nConnection: close\r\n\r\n`;
		const get = await rawRequest(url, bad("GET"));
		const headAnswer = await rawRequest(url, bad("HEAD"));
		expect(get.status).toBe(414);
		expect(headAnswer.status).toBe(get.status);
		expect(headAnswer.fields.get("content-length")).toBe(
			String(new TextEncoder().encode(get.body).byteLength),
		);
		expect(headAnswer.fields.has("transfer-encoding")).toBe(false);
		expect(headAnswer.body).toBe("");
	});
});
