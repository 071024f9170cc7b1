/**
 * `--origin-timeout-ms` reaches the proxy of a real node.ts process: an origin that never
 * answers becomes a 504 at that deadline, long before the 15 s default would give up.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { NODE_ENTRY, type NodeProcess, startNode } from "./node-process.ts";

/** Answers nothing until the test ends: every request waits on this promise. */
let releaseHung: () => void = () => {};
const hung = new Promise<void>((resolve) => {
	releaseHung = resolve;
});
const origin = Bun.serve({
	hostname: "127.0.0.1",
	port: 0,
	fetch: async () => {
		await hung;
		return new Response("too late\n");
	},
});
let node: NodeProcess | undefined;
afterAll(() => {
	node?.kill();
	releaseHung();
	origin.stop(true);
});

describe("--origin-timeout-ms", () => {
	test("a hung origin is answered 504 at the configured deadline", async () => {
		node = await startNode(
			[process.execPath, NODE_ENTRY],
			[
				"--port",
				"0",
				"--memory-mb",
				"8",
				"--origin",
				`http://127.0.0.1:${origin.port}`,
				"--origin-timeout-ms",
				"300",
			],
		);
		// With the default (15 s) this request would still be waiting when its own 10 s
		// deadline aborts it, and the test would fail.
		const response = await fetch(`${node.url}/slow`, { signal: AbortSignal.timeout(10_000) });
		expect(response.status).toBe(504);
		expect(await response.text()).toContain("origin timeout");
		expect(response.headers.get("cache-status")).toContain("fwd=uri-miss");
	});
});
