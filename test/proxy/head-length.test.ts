/**
 * A HEAD answered from a stored response says how long a GET's body would be (RFC 9110
 * §9.3.2, §8.6), also when the origin sent the body chunked, so no Content-Length was
 * stored. Over real HTTP: the runtime is what writes a bodiless response's framing.
 */
import { describe, expect, test } from "bun:test";
import { rawOriginEdges } from "./served-edge.ts";

const edges = rawOriginEdges({ startMs: 0, originTimeoutMs: 60_000 });

const BODY = "x".repeat(500);
const CHUNKED = `HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${BODY.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n`;

describe("a HEAD answered from the cache", () => {
	test("carries the stored body's length when the origin sent it chunked", async () => {
		const { edge } = edges.start({ "/chunked": (ex) => ex.write(CHUNKED) });
		expect(await (await fetch(`${edge.url}/chunked`)).text()).toBe(BODY);
		const head = await fetch(`${edge.url}/chunked`, { method: "HEAD" });
		expect(head.headers.get("cache-status")).toContain("hit");
		expect(head.headers.get("content-length")).toBe(String(BODY.length));
		expect(await head.text()).toBe("");
	});
});
