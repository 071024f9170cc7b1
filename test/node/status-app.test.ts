import { describe, expect, test } from "bun:test";
import { createStatusApp } from "../../edge/status-app.ts";
import { ManualClock } from "../../edge/store/clock.ts";
import { createL0 } from "../../edge/store/l0.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { meta } from "../store/meta-helpers.ts";

function makeApp() {
	const tier = new MemoryTier({
		slab: new TsSlab({ capacityBytes: 2 ** 21 }),
		clock: new ManualClock(),
		maxObjectBytes: 4096,
	});
	const app = createStatusApp({ tier, version: "9.9.9", startedAt: Date.now(), adminToken: TOKEN });
	// The raw L0 routes take the admin token; every call below but the refusals sends it.
	const request = (path: string, init: RequestInit = {}) =>
		app.request(path, {
			...init,
			headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) },
		});
	return { tier, app, request };
}

const TOKEN = "status-token";

describe("status routes", () => {
	test("health names the version and slab", async () => {
		const { app } = makeApp();
		const res = await app.request("/_neuro/health");
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ status: "ok", version: "9.9.9", slab: "ts" });
	});

	test("health names the answering process and its build when told them", async () => {
		const tier = new MemoryTier({ slab: new TsSlab({ capacityBytes: 2 ** 21 }) });
		const app = createStatusApp({
			tier,
			version: "9.9.9",
			startedAt: Date.now(),
			instance: { pid: 4242, build: "neuro-edge 9.9.9 pop=fra1 commit=abc" },
		});
		expect(await (await app.request("/_neuro/health")).json()).toMatchObject({
			pid: 4242,
			build: "neuro-edge 9.9.9 pop=fra1 commit=abc",
		});
		tier.close();
	});

	test("put then get through L0, and stats count them", async () => {
		const { app, request } = makeApp();
		const put = await request("/_neuro/l0/some/key", { method: "PUT", body: "hello" });
		expect(put.status).toBe(201);
		const get = await request("/_neuro/l0/some/key");
		expect(await get.text()).toBe("hello");
		const stats = (await (await app.request("/_neuro/stats")).json()) as {
			tier: { hits: number; objects: number };
			slab: { bytesInUse: number };
		};
		expect(stats.tier).toMatchObject({ hits: 1, objects: 1 });
		expect(stats.slab.bytesInUse).toBe(64);
	});

	test("stats show the large objects' store when there is one, and null when it is off", async () => {
		const clock = new ManualClock();
		const { memory, large } = createL0(new TsSlab({ capacityBytes: 2 ** 21 }), 2 ** 23, clock);
		if (large === undefined) throw new Error("createL0 with a budget gave no large store");
		const writer = large.beginWrite("big", meta("h"), 2 ** 20 + 1);
		writer.write(new Uint8Array(2 ** 20 + 1));
		writer.commit();
		const withLarge = createStatusApp({ tier: memory, large, version: "9", startedAt: 0 });
		const stats = (await (await withLarge.request("/_neuro/stats")).json()) as {
			large: Record<string, number>;
		};
		expect(stats.large).toMatchObject({
			objects: 1,
			capacityBytes: 2 ** 23,
			maxObjectBytes: 2 ** 21,
			bufferedBytes: 0,
		});
		expect(stats.large.bytes).toBeGreaterThan(2 ** 20);
		memory.close();
		const { app } = makeApp();
		expect(await (await app.request("/_neuro/stats")).json()).toMatchObject({ large: null });
	});

	test("a miss is 404", async () => {
		const { request } = makeApp();
		expect((await request("/_neuro/l0/nothing")).status).toBe(404);
	});

	test("bad input is refused and stores nothing", async () => {
		const { request, tier } = makeApp();
		const big = await request("/_neuro/l0/big", { method: "PUT", body: new Uint8Array(5000) });
		expect(big.status).toBe(413);
		const badTtl = await request("/_neuro/l0/t?ttl_ms=-5", { method: "PUT", body: "x" });
		expect(badTtl.status).toBe(400);
		const longKey = await request(`/_neuro/l0/${"k".repeat(2000)}`, {
			method: "PUT",
			body: "x",
		});
		expect(longKey.status).toBe(414);
		expect(tier.size).toBe(0);
	});

	test("raw L0 reads and writes need the admin token, and are off without one", async () => {
		const { app, request, tier } = makeApp();
		await request("/_neuro/l0/page", { method: "PUT", body: "cached bytes" });
		for (const headers of [
			{},
			{ authorization: "Bearer wrong" },
			{ authorization: TOKEN },
			{ authorization: `Basic ${TOKEN}` },
			{ authorization: `Bearer${TOKEN}` },
			{ authorization: `Bearer ${TOKEN}x` },
			{ authorization: `Bearer ${TOKEN.slice(1)}` },
		]) {
			const read = await app.request("/_neuro/l0/page", { headers });
			expect(read.status).toBe(401);
			expect(read.headers.get("www-authenticate")).toBe("Bearer");
			expect(await read.text()).not.toContain("cached bytes");
			const write = await app.request("/_neuro/l0/page", {
				method: "PUT",
				body: "poison",
				headers,
			});
			expect(write.status).toBe(401);
		}
		expect(new TextDecoder().decode(tier.get("page"))).toBe("cached bytes");
		// RFC 9110 §11.1: the scheme is case-insensitive, and §11.4 allows more than one space.
		// Before, anything but "Bearer " exactly was refused with the right token.
		for (const authorization of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer  ${TOKEN}`]) {
			const read = await app.request("/_neuro/l0/page", { headers: { authorization } });
			expect({ authorization, status: read.status }).toEqual({ authorization, status: 200 });
		}

		const open = createStatusApp({ tier, version: "9.9.9", startedAt: Date.now() });
		const refused = await open.request("/_neuro/l0/page", { method: "PUT", body: "poison" });
		expect(refused.status).toBe(403);
		expect(await refused.text()).toBe("raw L0 access is disabled: no admin token configured\n");
		expect((await open.request("/_neuro/l0/page")).status).toBe(403);
		expect(new TextDecoder().decode(tier.get("page"))).toBe("cached bytes");
		// Health and stats stay open: load balancers and dashboards read them.
		expect((await open.request("/_neuro/health")).status).toBe(200);
		tier.close();
	});
});
