import { describe, expect, test } from "bun:test";
import { createDemoOrigin } from "../../edge/demo-origin.ts";
import { MAX_TAGS } from "../../edge/http/purge-tags.ts";
import { makeEdge, purgeThrough, settle } from "./edge-harness.ts";

/** [lookupSync offered, requests through Edge.direct first as node.ts sends them]. */
const MODES = [
	[true, false],
	[false, false],
	[true, true],
] as const;

describe.each(MODES)(
	"edge proxy (tier lookupSync offered: %p, direct: %p)",
	(syncLookup, direct) => {
		test("a miss goes to the origin and is stored; the next request is a hit with Age", async () => {
			const { get, origin, timers } = makeEdge({ syncLookup, direct });
			const first = await get("/pages/1");
			expect(first.status).toBe(200);
			// Not `stored` yet: the fields go out before the body, and the fill may still fail.
			expect(first.headers.get("cache-status")).toBe("NeuroCache;fwd=uri-miss;fwd-status=200");
			const body = await first.text();
			await settle();
			timers.advance(5_000);
			const second = await get("/pages/1");
			expect(second.headers.get("cache-status")).toMatch(/^NeuroCache;hit;ttl=5[45]$/);
			expect(second.headers.get("age")).toBe("5");
			expect(await second.text()).toBe(body);
			expect(origin.requests("/pages/1")).toBe(1);
		});

		test("a hit sends the stored fields once, its own Age, and appends to upstream Cache-Status", async () => {
			const { get, timers } = makeEdge({
				syncLookup,
				direct,
				fetchOrigin: async () =>
					new Response("stored body", {
						headers: {
							"cache-control": "max-age=60",
							age: "7",
							"cache-status": "Upstream;hit",
							"x-origin": "kept",
						},
					}),
			});
			const miss = await get("/x");
			await miss.text();
			await settle();
			timers.advance(3_000);
			for (const method of ["GET", "HEAD"]) {
				const hit = await get("/x", {}, method);
				expect(hit.headers.get("cache-status")).toBe("Upstream;hit, NeuroCache;hit;ttl=50");
				// Ours: the stored 7 plus the 3 s it spent here.
				expect(hit.headers.get("age")).toBe("10");
				expect(hit.headers.get("x-origin")).toBe("kept");
				expect(hit.headers.get("accept-ranges")).toBe("bytes");
				expect(await hit.text()).toBe(method === "HEAD" ? "" : "stored body");
			}
		});

		test("100 concurrent misses make one origin request and get 100 correct bodies", async () => {
			let release!: () => void;
			const gate = new Promise<void>((resolve) => {
				release = resolve;
			});
			const demo = createDemoOrigin();
			const { get, lock } = makeEdge({
				syncLookup,
				direct,
				fetchOrigin: async (request) => {
					await gate;
					return demo.app.request(request);
				},
			});
			const responses = Array.from({ length: 100 }, () => get("/bytes/2048"));
			for (let i = 0; i < 50 && lock.stats().waiting < 99; i++) await Promise.resolve();
			expect(lock.stats().waiting).toBe(99);
			release();
			const bodies = await Promise.all(
				(await Promise.all(responses)).map(async (r) => new Uint8Array(await r.arrayBuffer())),
			);
			expect(demo.requests("/bytes/2048")).toBe(1);
			expect(
				bodies.every((b) => b.byteLength === 2048 && b[0] === 97 && b[2047] === 97 + (2047 % 26)),
			).toBe(true);
			expect(lock.stats().coalesced).toBe(99);
		});

		test("an uncacheable response is not stored and says why", async () => {
			const { get, origin } = makeEdge({ syncLookup, direct });
			const first = await get("/api/time");
			expect(first.headers.get("cache-status")).toContain('detail="no-store"');
			await get("/api/time");
			expect(origin.requests("/api/time")).toBe(2);
			const priv = await get("/api/me");
			expect(priv.headers.get("cache-status")).toContain('detail="private"');
		});

		test("Vary selects separate variants", async () => {
			const { get, origin } = makeEdge({ syncLookup, direct });
			expect(await (await get("/api/greeting", { "accept-language": "fr" })).json()).toEqual({
				greeting: "bonjour",
			});
			await settle();
			expect(await (await get("/api/greeting")).json()).toEqual({ greeting: "hello" });
			await settle();
			const frAgain = await get("/api/greeting", { "accept-language": "fr" });
			expect(frAgain.headers.get("cache-status")).toContain("hit");
			expect(await frAgain.json()).toEqual({ greeting: "bonjour" });
			expect(origin.requests("/api/greeting")).toBe(2);
		});

		test("a client's matching If-None-Match is answered 304 from the cache", async () => {
			const { get, origin, timers } = makeEdge({ syncLookup, direct });
			const first = await get("/pages/2");
			await first.text();
			await settle();
			timers.advance(7_000);
			const etag = first.headers.get("etag") as string;
			const revalidate = await get("/pages/2", { "if-none-match": etag });
			expect(revalidate.status).toBe(304);
			expect(revalidate.headers.get("etag")).toBe(etag);
			// RFC 9111 §4: a stored response used without validation says its Age.
			expect(revalidate.headers.get("age")).toBe("7");
			expect(revalidate.headers.get("cache-status")).toContain("hit");
			expect(origin.requests("/pages/2")).toBe(1);
		});

		test("HEAD is answered from a stored GET without a body", async () => {
			const { get } = makeEdge({ syncLookup, direct });
			await (await get("/pages/3")).text();
			await settle();
			const head = await get("/pages/3", {}, "HEAD");
			expect(head.status).toBe(200);
			expect(head.headers.get("cache-status")).toContain("hit");
			expect(await head.text()).toBe("");
		});

		test("only-if-cached with nothing stored is a 504", async () => {
			const { get, origin } = makeEdge({ syncLookup, direct });
			const res = await get("/pages/4", { "cache-control": "only-if-cached" });
			expect(res.status).toBe(504);
			expect(origin.requests()).toBe(0);
		});

		test("a successful POST invalidates the stored URL", async () => {
			const { get, origin } = makeEdge({ syncLookup, direct });
			await (await get("/pages/5")).text();
			await settle();
			const post = await get("/pages/5", {}, "POST");
			expect(post.status).toBe(200);
			const after = await get("/pages/5");
			expect(after.headers.get("cache-status")).toContain("fwd=uri-miss");
			expect(origin.requests("/pages/5")).toBe(3);
		});

		test("origin failures become 502 and timeouts 504, with a short body", async () => {
			const down = makeEdge({
				syncLookup,
				direct,
				fetchOrigin: () => Promise.reject(new TypeError("connection refused")),
			});
			const refused = await down.get("/pages/1");
			expect(refused.status).toBe(502);
			expect(await refused.text()).toContain("origin unreachable");
			// RFC 9211: fwd without fwd-status would say the origin answered 502; it did not.
			expect(refused.headers.get("cache-status")).toBe(
				'NeuroCache;fwd=uri-miss;detail="origin-unreachable"',
			);
			const slow = makeEdge({
				syncLookup,
				direct,
				fetchOrigin: () => Promise.reject(new DOMException("deadline", "TimeoutError")),
			});
			const timedOut = await slow.get("/pages/1");
			expect(timedOut.status).toBe(504);
			expect(timedOut.headers.get("cache-status")).toContain('detail="origin-timeout"');
			// The failed writer released the key: the next request may try again.
			expect(slow.lock.stats().locksHeld).toBe(0);
		});

		test("an unknown host is refused with 421, and a flood of them adds no metric series", async () => {
			const { app } = makeEdge({ syncLookup, direct });
			for (let i = 0; i < 50; i++) {
				const res = await app.request(`http://h${i}.test/`, { headers: { host: `h${i}.test` } });
				expect(res.status).toBe(421);
			}
			const text = await (
				await app.request("http://cdn.test/_neuro/metrics", { headers: { host: "cdn.test" } })
			).text();
			expect(text).toContain('neuro_requests_total{host="(unknown)",phase="bypass",pop="test"} 50');
			expect(text).not.toContain("h1.test");
		});

		test("purge by URL and by tag needs the bearer token", async () => {
			const { app, get } = makeEdge({ syncLookup, direct });
			await (await get("/pages/6")).text();
			await (await get("/pages/7")).text();
			await settle();
			const purge = (body: unknown, token = "secret") => purgeThrough(app, body, token);
			expect((await purge({ url: "http://cdn.test/pages/6" }, "wrong")).status).toBe(401);
			expect((await purge({ nonsense: true })).status).toBe(400);
			// The field at fault is named when the shape is right.
			for (const [body, fault] of [
				[{ tag: "t".repeat(257) }, "tag: tag must be at most 256 characters; "],
				[{ url: "/pages/6" }, "url: must be an absolute URL; "],
				[{ prefix: "ftp://cdn.test/" }, "prefix: must be an http(s) URL; "],
				// Cache-Tag splits on these, so no stored object carries such a tag.
				[{ tag: "page-7,page-6" }, "tag: tag must not contain a comma or whitespace"],
				[{ tag: "page 7" }, "tag: tag must not contain a comma or whitespace"],
				[{ tag: "page\u00a07" }, "tag: tag must not contain a comma or whitespace"],
				// Keys normalize queries (sorted, filtered), so a query in a prefix is ill-defined.
				[{ prefix: "http://cdn.test/pages?a=1" }, "prefix: prefix must not carry a query"],
				[{ prefix: "http://cdn.test/pages#top" }, "prefix: prefix must not carry a query"],
			] as const) {
				const refused = await purge(body);
				expect(refused.status).toBe(400);
				expect(await refused.text()).toStartWith(fault);
			}
			expect(await (await purge({ url: 6 })).text()).toStartWith("body must be {");
			expect(await (await purge({ url: "http://cdn.test/pages/6" })).json()).toEqual({
				purged: 1,
				soft: false,
			});
			expect(await (await purge({ tag: "page-7" })).json()).toEqual({ purged: 1, soft: false });
			expect((await get("/pages/7")).headers.get("cache-status")).toContain("fwd=uri-miss");
		});

		test("a response naming more purge tags than an object is kept under is not stored", async () => {
			const tags = Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`);
			const { app, get } = makeEdge({
				syncLookup,
				direct,
				fetchOrigin: async () =>
					new Response("tagged", {
						headers: { "cache-control": "max-age=600", "cache-tag": tags.join(", ") },
					}),
			});
			const first = await get("/tagged");
			expect(first.headers.get("cache-status")).toBe(
				'NeuroCache;fwd=uri-miss;fwd-status=200;stored=?0;detail="too-many-tags"',
			);
			await first.text();
			await settle();
			// Before: stored under the first 64 only; a purge by the last found nothing and the
			// next request was a hit for the rest of the 600 s.
			const purged = await app.request("http://cdn.test/_neuro/purge", {
				method: "POST",
				headers: { host: "cdn.test", authorization: "Bearer secret" },
				body: JSON.stringify({ tag: tags[MAX_TAGS] }),
			});
			expect(await purged.json()).toEqual({ purged: 0, soft: false });
			expect((await get("/tagged")).headers.get("cache-status")).toContain("fwd=uri-miss");
		});

		test("a request under /_neuro that no route answers is refused, never sent to the origin", async () => {
			const seen: string[] = [];
			const { app, get } = makeEdge({
				syncLookup,
				direct,
				fetchOrigin: async (request) => {
					seen.push(`${request.method} ${new URL(request.url).pathname}`);
					return new Response("from the origin", { headers: { "cache-control": "max-age=60" } });
				},
			});
			// Before: each of these went to the origin, the admin token with it, and a GET's
			// answer was cached under the edge's own path.
			const auth = { authorization: "Bearer secret" };
			for (const [method, path] of [
				["GET", "/_neuro/purge"],
				["HEAD", "/_neuro/purge"],
				["DELETE", "/_neuro/purge"],
				["POST", "/_neuro/metrics"],
				["GET", "/_neuro/nope"],
				["POST", "/_neuro//purge"],
				["GET", "/%5Fneuro/nope"],
				["GET", "/_neuro"],
			] as const) {
				const response = await get(path, auth, method);
				expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
				if (method !== "HEAD") expect(await response.text()).toStartWith(`no route for ${method}`);
			}
			expect(seen).toEqual([]);
			// Origin paths that only start alike still go to the origin.
			expect(await (await get("/_neurology")).text()).toBe("from the origin");
			expect(await (await get("/_neuro%2Fx")).text()).toBe("from the origin");
			const metrics = await app.request("http://cdn.test/_neuro/metrics", {
				headers: { host: "cdn.test" },
			});
			expect(metrics.status).toBe(200);
		});

		test("purge by URL prefix drops every URL under it", async () => {
			const { app, get } = makeEdge({ syncLookup, direct });
			for (const page of ["/pages/10", "/pages/11", "/api/greeting"])
				await (await get(page)).text();
			await settle();
			const purged = await purgeThrough(app, { prefix: "http://cdn.test/pages/" });
			expect(await purged.json()).toEqual({ purged: 2, soft: false });
			expect((await get("/pages/10")).headers.get("cache-status")).toContain("fwd=uri-miss");
			expect((await get("/api/greeting")).headers.get("cache-status")).toContain("hit");
		});

		test("a soft purge marks stale: served stale while it refreshes, not dropped", async () => {
			const { app, get, origin } = makeEdge({ syncLookup, direct });
			const body = await (await get("/pages/9")).text();
			await settle();
			const purged = await purgeThrough(app, { tag: "page-9", soft: true });
			expect(await purged.json()).toEqual({ purged: 1, soft: true });
			// /pages/* allow stale-while-revalidate=30: the stale copy answers, a refresh goes out.
			const stale = await get("/pages/9");
			expect(stale.headers.get("cache-status")).toContain('detail="stale-while-revalidate"');
			expect(await stale.text()).toBe(body);
			await settle();
			expect(origin.requests("/pages/9")).toBe(2);
			expect((await get("/pages/9")).headers.get("cache-status")).toMatch(/;hit;ttl=60$/);
		});

		test("a host's ignored query parameters do not split the cache", async () => {
			const { get, origin } = makeEdge({
				syncLookup,
				direct,
				route: { origin: "http://origin.test", ignoreQueryParams: ["utm_*", "fbclid"] },
			});
			await (await get("/pages/1?utm_source=mail&b=2&a=1")).text();
			await settle();
			const same = await get("/pages/1?a=1&fbclid=xyz&b=2");
			expect(same.headers.get("cache-status")).toContain("hit");
			const different = await get("/pages/1?a=2&b=2");
			expect(different.headers.get("cache-status")).toContain("fwd=uri-miss");
			expect(origin.requests("/pages/1")).toBe(2);
		});

		test("metrics count requests by phase", async () => {
			const { app, get } = makeEdge({ syncLookup, direct });
			await (await get("/pages/8")).text();
			await settle();
			await (await get("/pages/8")).text();
			const text = await (
				await app.request("http://cdn.test/_neuro/metrics", { headers: { host: "cdn.test" } })
			).text();
			expect(text).toContain('neuro_requests_total{host="cdn.test",phase="hit",pop="test"} 1');
			expect(text).toContain('neuro_requests_total{host="cdn.test",phase="miss",pop="test"} 1');
			expect(text).toContain('neuro_l0_objects{pop="test"} 1');
			expect(text).toContain("# TYPE neuro_l0_hits_total counter");
			expect(text).toContain('neuro_l0_hits_total{pop="test"} 1');
			expect(text).toContain('neuro_l0_evictions_total{pop="test"} 0');
			expect(text).toContain('neuro_coalesced_waits_total{pop="test"} 0');
			expect(text).toMatch(/^neuro_l0_stored_bytes\{pop="test"\} [1-9]\d*$/m);
		});
	},
);

describe.each(MODES)(
	"ranges from a cached object (RFC 9110 §14; lookupSync offered: %p, direct: %p)",
	(syncLookup, direct) => {
		async function cachedEdge() {
			const edge = makeEdge({ syncLookup, direct });
			await (await edge.get("/bytes/100")).text();
			await settle();
			return edge;
		}

		test("a satisfiable range is a 206 with Content-Range", async () => {
			const { get } = await cachedEdge();
			const res = await get("/bytes/100", { range: "bytes=10-19" });
			expect(res.status).toBe(206);
			expect(res.headers.get("content-range")).toBe("bytes 10-19/100");
			expect(res.headers.get("content-length")).toBe("10");
			expect(await res.text()).toBe("klmnopqrst");
		});

		test("a suffix range takes the last bytes", async () => {
			const { get } = await cachedEdge();
			const res = await get("/bytes/100", { range: "bytes=-3" });
			expect(res.headers.get("content-range")).toBe("bytes 97-99/100");
			expect(await res.text()).toBe("tuv");
		});

		test("an unsatisfiable range is a 416 naming the length", async () => {
			const { get } = await cachedEdge();
			const res = await get("/bytes/100", { range: "bytes=500-600" });
			expect(res.status).toBe(416);
			expect(res.headers.get("content-range")).toBe("bytes */100");
		});

		test("a malformed range is ignored: the whole object", async () => {
			const { get } = await cachedEdge();
			const res = await get("/bytes/100", { range: "bytes=banana" });
			expect(res.status).toBe(200);
			expect((await res.arrayBuffer()).byteLength).toBe(100);
		});

		test("If-Range that does not match sends the whole object", async () => {
			const { get } = await cachedEdge();
			const res = await get("/bytes/100", { range: "bytes=0-9", "if-range": '"some-other-etag"' });
			expect(res.status).toBe(200);
			const etag = (await get("/bytes/100")).headers.get("etag") as string;
			const matching = await get("/bytes/100", { range: "bytes=0-9", "if-range": etag });
			expect(matching.status).toBe(206);
		});
	},
);

describe("Edge.direct: the proxy without the router", () => {
	test("leaves the app's own paths, and first segments with escapes, to the router", async () => {
		const { direct } = makeEdge({ direct: true });
		const at = (path: string) =>
			new Request(`http://cdn.test${path}`, { headers: { host: "cdn.test" } });
		for (const path of ["/_neuro/metrics", "/_neuro/purge", "/%5Fneuro/metrics", "/a%20b"])
			expect({ path, direct: direct(at(path)) }).toEqual({ path, direct: undefined });
		// Origin paths that merely start with "_", or escape past the first segment, are proxied.
		for (const path of ["/_next/static/app.js", "/_x", "/pages/a%20b"])
			expect({ path, direct: direct(at(path)) !== undefined }).toEqual({ path, direct: true });
		// A query's escapes are the proxy's business: the path is plain.
		const answer = await direct(at("/pages/1?q=%20"));
		expect(answer?.status).toBe(200);
		expect(answer?.headers.get("cache-status")).toContain("fwd=uri-miss");
	});
});
