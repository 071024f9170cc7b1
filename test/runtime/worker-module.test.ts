// The Worker module in-process: nothing runs at import (Workers forbid timers and I/O at
// global scope), and a misconfigured Worker says what is wrong on each request.
import { expect, test } from "bun:test";
import type { ExecutionContext } from "hono";
import worker from "../../edge/runtime/worker.ts";

const ctx: ExecutionContext = {
	waitUntil: () => {},
	passThroughOnException: () => {},
	props: {},
};

test("a Worker with a bad NEURO_ORIGIN answers 500 naming it, and builds nothing", async () => {
	const answer = await worker.fetch(
		new Request("http://edge.test/pages/1"),
		{ NEURO_ORIGIN: "not a url" },
		ctx,
	);
	expect(answer.status).toBe(500);
	expect(await answer.text()).toContain("NEURO_ORIGIN: must be an absolute URL");
	// Still unbuilt: a corrected environment is read on the next request.
	const health = await worker.fetch(
		new Request("http://edge.test/_neuro/health"),
		{ NEURO_ORIGIN: "http://origin.test" },
		ctx,
	);
	expect(health.status).toBe(200);
	expect(await health.json()).toMatchObject({ status: "ok", slab: "ts" });
});
