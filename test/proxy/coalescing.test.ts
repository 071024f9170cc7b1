import { describe, expect, test } from "bun:test";
import { makeEdge, settle } from "./edge-harness.ts";
import { breakingBody, deferred, heldOrigin, until } from "./held-origin.ts";

const fresh = (body: string, cacheControl = "max-age=60") =>
	new Response(body, { headers: { "cache-control": cacheControl } });

/** Every response's status, Cache-Status and body; a body that breaks reads as "broken". */
async function outcomes(responses: Promise<Response>[]) {
	return Promise.all(
		responses.map(async (pending) => {
			const response = await pending;
			const body = await response.text().catch(() => "broken");
			return { status: response.status, cacheStatus: response.headers.get("cache-status"), body };
		}),
	);
}

describe("coalescing after a writer fails", () => {
	test("a body that breaks mid-stream: one waiter fills instead, the other 98 are served from it", async () => {
		const firstGate = deferred();
		const origin = heldOrigin([
			{
				gate: firstGate.promise,
				answer: () =>
					new Response(breakingBody("par"), { headers: { "cache-control": "max-age=60" } }),
			},
			{ answer: () => fresh("good") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const responses = Array.from({ length: 100 }, () => get("/k"));
		await origin.arrived(1);
		await until("99 waiters", () => lock.stats().waiting === 99);
		firstGate.resolve();
		const all = await outcomes(responses);
		expect(origin.seen).toHaveLength(2);
		expect(all.filter((o) => o.body === "broken")).toHaveLength(1);
		expect(all.filter((o) => o.body === "good")).toHaveLength(99);
		expect(all.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(98);
		expect(all.some((o) => o.cacheStatus?.includes("uncacheable"))).toBe(false);
		expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0, handoffs: 1, coalesced: 98 });
	});

	test("a 5xx: the next in line asks again, and a storable answer serves the rest", async () => {
		const firstGate = deferred();
		const origin = heldOrigin([
			{ gate: firstGate.promise, answer: () => new Response("down", { status: 503 }) },
			{ answer: () => fresh("back", "max-age=300") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const responses = Array.from({ length: 20 }, () => get("/k"));
		await origin.arrived(1);
		await until("19 waiters", () => lock.stats().waiting === 19);
		firstGate.resolve();
		const all = await outcomes(responses);
		expect(all.map((o) => o.status).sort()).toEqual([...Array(19).fill(200), 503]);
		expect(all.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(18);
		expect(origin.seen).toHaveLength(2);
		expect(lock.stats().uncacheableKeys).toBe(0);
	});

	test("a writer whose lock expires: one waiter takes over, and the first fill to land serves all", async () => {
		const slowGate = deferred();
		const secondGate = deferred();
		const origin = heldOrigin([
			{ gate: slowGate.promise, answer: () => fresh("slow") },
			{ gate: secondGate.promise, answer: () => fresh("second") },
		]);
		const { get, lock, timers } = makeEdge({
			fetchOrigin: origin.fetchOrigin,
			lockTimeouts: { writerTimeoutMs: 1_000, readerWaitMs: 10_000 },
		});
		const responses = Array.from({ length: 50 }, () => get("/k"));
		await origin.arrived(1);
		await until("49 waiters", () => lock.stats().waiting === 49);
		timers.advance(1_000);
		await origin.arrived(2);
		expect(lock.stats()).toMatchObject({ writerTimeouts: 1, handoffs: 1, waiting: 48 });
		// The expired writer's fill lands first: everyone still waiting is served from it.
		slowGate.resolve();
		const [writer, successor, ...waiters] = responses;
		expect(await (await (writer as Promise<Response>)).text()).toBe("slow");
		const served = await outcomes(waiters);
		expect(served.every((o) => o.body === "slow" && o.cacheStatus?.includes("collapsed"))).toBe(
			true,
		);
		secondGate.resolve();
		expect(await (await (successor as Promise<Response>)).text()).toBe("second");
		expect(origin.seen).toHaveLength(2);
	});
});

describe("a key that once could not be stored", () => {
	test("a 503 is not remembered: the next response is stored and served as hits", async () => {
		const origin = heldOrigin([
			{ answer: () => new Response("down", { status: 503 }) },
			{ answer: () => fresh("back", "max-age=300") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		expect((await get("/k")).status).toBe(503);
		const recovered = await get("/k");
		expect(await recovered.text()).toBe("back");
		await settle();
		for (let i = 0; i < 5; i++)
			expect((await get("/k")).headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		expect(origin.seen).toHaveLength(2);
		expect(lock.stats().uncacheableKeys).toBe(0);
	});

	test("no-store is remembered, but the first storable answer after it is stored and ends that", async () => {
		const origin = heldOrigin([
			{ answer: () => fresh("private", "no-store") },
			{ answer: () => fresh("public", "max-age=300") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await (await get("/k")).text();
		expect(lock.stats().uncacheableKeys).toBe(1);
		// Remembered uncacheable: this request queues behind no one, and may still store.
		const next = await get("/k");
		expect(await next.text()).toBe("public");
		await settle();
		expect(lock.stats().uncacheableKeys).toBe(0);
		expect((await get("/k")).headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		// Concurrent misses on it coalesce again.
		expect(origin.seen).toHaveLength(2);
	});

	test("waiters sent forward by an uncacheable answer may store what they get", async () => {
		const firstGate = deferred();
		const origin = heldOrigin([
			{ gate: firstGate.promise, answer: () => fresh("private", "private") },
			{ answer: () => fresh("public", "max-age=300") },
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const writer = get("/k");
		const waiter = get("/k");
		await until("1 waiter", () => lock.stats().waiting === 1);
		firstGate.resolve();
		expect(await (await writer).text()).toBe("private");
		expect(await (await waiter).text()).toBe("public");
		await settle();
		expect(lock.stats().uncacheableKeys).toBe(0);
		expect((await get("/k")).headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		expect(origin.seen).toHaveLength(2);
	});
});

describe("coalescing a response that varies", () => {
	test("100 misses over 4 languages: one origin request per variant, every variant stored", async () => {
		const gates = Array.from({ length: 4 }, () => deferred());
		const byLanguage = (request: Request) => {
			const language = request.headers.get("accept-language") ?? "none";
			return new Response(`in ${language}`, {
				headers: { "cache-control": "max-age=60", vary: "accept-language" },
			});
		};
		const origin = heldOrigin(gates.map((gate) => ({ gate: gate.promise, answer: byLanguage })));
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const languages = ["en", "fr", "de", "es"];
		const language = (i: number) => languages[i % 4] as string;
		const responses = Array.from({ length: 100 }, (_, i) =>
			get("/k", { "accept-language": language(i) }),
		);
		await until("99 waiters", () => lock.stats().waiting === 99);
		gates[0]?.resolve();
		// en is stored; each other language elects one writer, the rest wait on theirs.
		await origin.arrived(4);
		await until("72 waiters on 3 variants", () => lock.stats().waiting === 72);
		for (const gate of gates) gate.resolve();
		const all = await outcomes(responses);
		all.forEach((o, i) => {
			expect(o.body).toBe(`in ${language(i)}`);
		});
		expect(origin.seen).toHaveLength(4);
		expect(all.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(96);
		await settle();
		for (const l of languages) {
			const stored = await get("/k", { "accept-language": l, "cache-control": "only-if-cached" });
			expect({ l, status: stored.status, body: await stored.text() }).toEqual({
				l,
				status: 200,
				body: `in ${l}`,
			});
		}
	});

	test("each variant has its own lock: a fill of one does not hold up another's revalidation", async () => {
		const frGate = deferred();
		const varying = (body: string) =>
			new Response(body, {
				headers: { "cache-control": "max-age=60", vary: "accept-language", etag: `"${body}"` },
			});
		const origin = heldOrigin([
			{ answer: () => varying("en") },
			{ gate: frGate.promise, answer: () => varying("fr") },
			{ answer: () => varying("en") },
		]);
		const { get, lock, timers } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await (await get("/k", { "accept-language": "en" })).text();
		await settle();
		timers.advance(61_000);
		const fr = Array.from({ length: 10 }, () => get("/k", { "accept-language": "fr" }));
		await origin.arrived(2);
		await until("9 waiters on fr", () => lock.stats().waiting === 9);
		// en's copy is stale: its revalidation goes out while fr's fill is still held.
		const en = get("/k", { "accept-language": "en" });
		await until("en's revalidation at the origin", () => origin.seen.length === 3);
		expect(origin.seen[2]?.headers.get("if-none-match")).toBe('"en"');
		expect(await (await en).text()).toBe("en");
		frGate.resolve();
		const all = await outcomes(fr);
		expect(all.every((o) => o.body === "fr")).toBe(true);
		expect(all.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(9);
		expect(origin.seen).toHaveLength(3);
	});
});

describe("a purge and the keys remembered uncacheable", () => {
	const purge = (
		app: { request: (url: string, init: RequestInit) => Response | Promise<Response> },
		body: unknown,
	) =>
		app.request("http://cdn.test/_neuro/purge", {
			method: "POST",
			headers: {
				host: "cdn.test",
				authorization: "Bearer secret",
				"content-type": "application/json",
			},
			body: JSON.stringify(body),
		});

	test.each([
		["its URL", { url: "http://cdn.test/k" }],
		["a prefix over it", { prefix: "http://cdn.test/" }],
	])("a purge by %s forgets the mark: concurrent misses coalesce again", async (_name, body) => {
		const gate = deferred();
		const origin = heldOrigin([
			{ answer: () => fresh("private", "no-store") },
			{ gate: gate.promise, answer: () => fresh("public", "max-age=300") },
		]);
		const { app, get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await (await get("/k")).text();
		expect(lock.stats().uncacheableKeys).toBe(1);
		expect((await purge(app, body)).status).toBe(200);
		expect(lock.stats().uncacheableKeys).toBe(0);
		const responses = Array.from({ length: 10 }, () => get("/k"));
		await until("9 waiters", () => lock.stats().waiting === 9);
		gate.resolve();
		expect((await outcomes(responses)).every((o) => o.body === "public")).toBe(true);
		expect(origin.seen).toHaveLength(2);
	});
});
