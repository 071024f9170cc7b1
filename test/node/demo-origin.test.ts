import { describe, expect, test } from "bun:test";
import { createDemoOrigin } from "../../edge/demo-origin.ts";

describe("demo origin", () => {
	test("pages carry freshness, validators and tags, and answer If-None-Match with 304", async () => {
		const { app } = createDemoOrigin();
		const first = await app.request("/pages/7");
		expect(first.status).toBe(200);
		expect(first.headers.get("cache-control")).toBe(
			"public, max-age=60, stale-while-revalidate=30",
		);
		expect(first.headers.get("cache-tag")).toBe("pages,page-7");
		const etag = first.headers.get("etag") as string;
		expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
		const revalidated = await app.request("/pages/7", { headers: { "if-none-match": etag } });
		expect(revalidated.status).toBe(304);
		expect(await revalidated.text()).toBe("");
		const other = await app.request("/pages/7", { headers: { "if-none-match": '"nope"' } });
		expect(other.status).toBe(200);
	});

	test("Vary: Accept-Language selects a variant", async () => {
		const { app } = createDemoOrigin();
		const fr = await app.request("/api/greeting", { headers: { "accept-language": "fr-FR" } });
		const en = await app.request("/api/greeting");
		expect(fr.headers.get("vary")).toBe("Accept-Language");
		expect(await fr.json()).toEqual({ greeting: "bonjour" });
		expect(await en.json()).toEqual({ greeting: "hello" });
	});

	test("a gzip body is sent encoded only to clients that accept it", async () => {
		const { app } = createDemoOrigin();
		const gz = await app.request("/compressed", { headers: { "accept-encoding": "gzip, br" } });
		expect(gz.headers.get("content-encoding")).toBe("gzip");
		const bytes = new Uint8Array(await gz.arrayBuffer());
		expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
		expect(Number(gz.headers.get("content-length"))).toBe(bytes.byteLength);
		const plain = await app.request("/compressed");
		expect(plain.headers.get("content-encoding")).toBeNull();
		expect(await plain.text()).toContain("<h1>Compressed</h1>");
	});

	test("sized bodies for benchmarks, bounded", async () => {
		const { app } = createDemoOrigin();
		const res = await app.request("/bytes/1024");
		expect((await res.arrayBuffer()).byteLength).toBe(1024);
		expect((await app.request("/bytes/99999999")).status).toBe(400);
	});

	test("counts requests per path, not its own stats route", async () => {
		const origin = createDemoOrigin();
		await origin.app.request("/api/time");
		await origin.app.request("/api/time");
		await origin.app.request("/api/me");
		await origin.app.request("/_origin/stats");
		expect([origin.requests("/api/time"), origin.requests("/api/me"), origin.requests()]).toEqual([
			2, 1, 3,
		]);
		const stats = (await (await origin.app.request("/_origin/stats")).json()) as { total: number };
		expect(stats.total).toBe(3);
	});

	test("no-store, private and immutable responses say so", async () => {
		const { app } = createDemoOrigin();
		expect((await app.request("/api/time")).headers.get("cache-control")).toBe("no-store");
		expect((await app.request("/api/me")).headers.get("cache-control")).toBe("private, max-age=60");
		expect((await app.request("/assets/logo.svg")).headers.get("cache-control")).toContain(
			"immutable",
		);
	});
});
