import { describe, expect, test } from "bun:test";
import type { ExecutionContext } from "hono";
import { makeEdge, settle } from "./edge-harness.ts";

// Workers cancel what a request leaves running unless it goes to waitUntil: a fill that
// finishes after the client's last byte would never commit (seen in workerd).
describe("work that outlives the response", () => {
	const context = () => {
		const kept: Promise<unknown>[] = [];
		const ctx: ExecutionContext = {
			waitUntil: (work) => void kept.push(work),
			passThroughOnException: () => {},
			props: {},
		};
		return { ctx, kept };
	};
	const request = (path: string) =>
		new Request(`http://cdn.test${path}`, { headers: { host: "cdn.test" } });

	test("a fill is handed to the runtime's waitUntil, and stores once it settles", async () => {
		const { app, get } = makeEdge();
		const { ctx, kept } = context();
		const miss = await app.fetch(request("/pages/1"), {}, ctx);
		expect(miss.headers.get("cache-status")).toContain("fwd=uri-miss");
		expect(kept).toHaveLength(1);
		await miss.text();
		await Promise.all(kept);
		expect((await get("/pages/1")).headers.get("cache-status")).toContain(";hit");
	});

	test("a hit hands nothing over", async () => {
		const { app, get } = makeEdge();
		await (await get("/pages/2")).text();
		await settle();
		const { ctx, kept } = context();
		const hit = await app.fetch(request("/pages/2"), {}, ctx);
		expect(hit.headers.get("cache-status")).toContain(";hit");
		expect(kept).toHaveLength(0);
	});

	test("without an ExecutionContext (Bun, Node, Deno) the fill runs on by itself", async () => {
		const { app, get } = makeEdge();
		const miss = await app.fetch(request("/pages/3"));
		await miss.text();
		await settle();
		expect((await get("/pages/3")).headers.get("cache-status")).toContain(";hit");
	});
});
