/**
 * One conformance subset of the edge, driven over real HTTP, shared by every runtime's test
 * file: each starts its runtime's server in front of the gated demo origin and calls
 * describeConformance. A runtime that cannot start fails every case with the reason; none
 * is ever skipped.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type GatedOrigin, startGatedOrigin } from "./gated-origin.ts";

export interface StartSettings {
	readonly origin: string;
	readonly adminToken: string;
}

/**
 * What a runtime's platform does not let the edge do, each with the behaviour the
 * conformance cases expect instead (so a platform change still fails a case). Only Workers
 * has any: docs/architecture.md, "Runtimes", says why.
 */
export interface PlatformLimits {
	/**
	 * Workers' fetch decodes gzip and br bodies and the platform encodes answers for each
	 * client itself: the client gets the content, not the origin's bytes.
	 */
	readonly decodesContentCoding?: boolean;
	/**
	 * Workers' fetch sends the origin's own authority as Host, and its own Accept-Encoding
	 * ("br, gzip").
	 */
	readonly setsOriginHostAndAcceptEncoding?: boolean;
}

export interface RunningEdge {
	/** Base URL, e.g. http://127.0.0.1:41234 */
	readonly url: string;
	/** Stops the server; rejects if it did not shut down cleanly. */
	stop(): Promise<void>;
}

const ADMIN_TOKEN = "conformance-token";
const HOOK_TIMEOUT_MS = 60_000;
const CASE_TIMEOUT_MS = 20_000;
const POLL_DEADLINE_MS = 10_000;

/** Polls `condition` until it holds, failing with `what` after the deadline. */
async function waitFor(what: string, condition: () => Promise<boolean>): Promise<void> {
	const deadline = Date.now() + POLL_DEADLINE_MS;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`timed out after ${POLL_DEADLINE_MS} ms: ${what}`);
		await Bun.sleep(5);
	}
}

export function describeConformance(
	runtime: string,
	start: (settings: StartSettings) => Promise<RunningEdge>,
	limits: PlatformLimits = {},
): void {
	describe(`the edge on ${runtime}`, () => {
		let origin: GatedOrigin | undefined;
		let edge: RunningEdge | undefined;

		beforeAll(async () => {
			origin = startGatedOrigin();
			edge = await start({ origin: origin.url, adminToken: ADMIN_TOKEN });
		}, HOOK_TIMEOUT_MS);

		afterAll(async () => {
			try {
				await edge?.stop();
			} finally {
				origin?.stop();
			}
		}, HOOK_TIMEOUT_MS);

		const running = () => {
			if (edge === undefined || origin === undefined)
				throw new Error(`the ${runtime} edge did not start (see the beforeAll error above)`);
			return { edge, origin };
		};

		/** A proxied request: every answer must carry our Cache-Status member. */
		const get = async (path: string, headers: Record<string, string> = {}, method = "GET") => {
			const response = await fetch(`${running().edge.url}${path}`, { method, headers });
			const body = await response.text();
			const cacheStatus = response.headers.get("cache-status");
			expect(cacheStatus, `${method} ${path} has no Cache-Status`).toMatch(/(^|, )NeuroCache;/);
			return { response, body, cacheStatus: cacheStatus ?? "" };
		};

		/** Waits until the response for `path` (and these request fields) is stored. */
		const stored = (path: string, headers: Record<string, string> = {}) =>
			waitFor(`${path} stored`, async () => {
				const probe = await get(path, { ...headers, "cache-control": "only-if-cached" });
				return probe.response.status === 200;
			});

		test(
			"a miss then a hit, with Age and Cache-Status",
			async () => {
				const first = await get("/pages/1");
				expect(first.response.status).toBe(200);
				expect(first.cacheStatus).toBe("NeuroCache;fwd=uri-miss;fwd-status=200");
				await stored("/pages/1");
				const second = await get("/pages/1");
				expect(second.response.status).toBe(200);
				expect(second.cacheStatus).toMatch(/^NeuroCache;hit;ttl=\d+$/);
				expect(second.response.headers.get("age")).toMatch(/^\d+$/);
				expect(second.body).toBe(first.body);
				expect(running().origin.requests("/pages/1")).toBe(1);
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"an answer without Content-Type reaches the client without one, miss and hit",
			async () => {
				const miss = await get("/untyped/plain");
				expect(miss.body).toBe("untyped plain\n");
				expect(miss.response.headers.get("content-type")).toBeNull();
				await stored("/untyped/plain");
				const hit = await get("/untyped/plain");
				expect(hit.cacheStatus).toContain(";hit");
				expect(hit.body).toBe("untyped plain\n");
				expect(hit.response.headers.get("content-type")).toBeNull();
				const cookies = await get("/untyped/cookies?cookies");
				expect(cookies.response.headers.get("content-type")).toBeNull();
				expect(cookies.response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"Vary: each Accept-Language gets its own stored variant",
			async () => {
				const fr = { "accept-language": "fr" };
				const en = { "accept-language": "en" };
				const frMiss = await get("/api/greeting", fr);
				expect(frMiss.cacheStatus).toContain("fwd=uri-miss");
				expect(frMiss.body).toContain("bonjour");
				await stored("/api/greeting", fr);
				const enMiss = await get("/api/greeting", en);
				expect(enMiss.cacheStatus).toContain("fwd=vary-miss");
				expect(enMiss.body).toContain("hello");
				await stored("/api/greeting", en);
				const frHit = await get("/api/greeting", fr);
				const enHit = await get("/api/greeting", en);
				expect(frHit.cacheStatus).toContain(";hit");
				expect(frHit.body).toContain("bonjour");
				expect(frHit.response.headers.get("content-language")).toBe("fr");
				expect(enHit.cacheStatus).toContain(";hit");
				expect(enHit.body).toContain("hello");
				expect(running().origin.requests("/api/greeting")).toBe(2);
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"the origin sees the client's address after the X-Forwarded-For the client sent",
			async () => {
				const alone = await get("/echo/x-forwarded-for");
				expect(alone.body).toBe("127.0.0.1");
				const chained = await get("/echo/x-forwarded-for", { "x-forwarded-for": "203.0.113.9" });
				expect(chained.body).toBe("203.0.113.9, 127.0.0.1");
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"a client's If-None-Match is answered 304 from the cache",
			async () => {
				const first = await get("/pages/2");
				const etag = first.response.headers.get("etag");
				expect(etag).toBeTruthy();
				await stored("/pages/2");
				const notModified = await get("/pages/2", { "if-none-match": etag ?? "" });
				expect(notModified.response.status).toBe(304);
				expect(notModified.body).toBe("");
				expect(notModified.response.headers.get("etag")).toBe(etag);
				expect(notModified.cacheStatus).toContain(";hit");
				const other = await get("/pages/2", { "if-none-match": '"something-else"' });
				expect(other.response.status).toBe(200);
				expect(other.body).toBe(first.body);
				expect(running().origin.requests("/pages/2")).toBe(1);
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"no-store is never stored",
			async () => {
				const first = await get("/api/time");
				const second = await get("/api/time");
				for (const answer of [first, second]) {
					expect(answer.response.status).toBe(200);
					expect(answer.cacheStatus).toContain("fwd=");
					expect(answer.cacheStatus).not.toContain(";hit");
					expect(answer.cacheStatus).toContain("stored=?0");
				}
				const cachedOnly = await get("/api/time", { "cache-control": "only-if-cached" });
				expect(cachedOnly.response.status).toBe(504);
				expect(running().origin.requests("/api/time")).toBe(2);
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"20 concurrent misses on one slow key make one origin request",
			async () => {
				const { edge, origin } = running();
				const open = origin.closeGate();
				const answers = Array.from({ length: 20 }, () => get("/slow/coalesced"));
				try {
					// All 20 are in: one at the origin, held by the gate, 19 queued behind it.
					await waitFor("1 origin request and 19 waiters", async () => {
						const metrics = await (await fetch(`${edge.url}/_neuro/metrics`)).text();
						const waiting = /^neuro_coalescing_waiting\{[^}]*\} (\d+)$/m.exec(metrics);
						return origin.requests("/slow/coalesced") === 1 && waiting?.[1] === "19";
					});
				} finally {
					open();
				}
				const all = await Promise.all(answers);
				for (const answer of all) {
					expect(answer.response.status).toBe(200);
					expect(answer.body).toBe("slow coalesced\n");
				}
				const statuses = all.map((a) => a.cacheStatus);
				expect(statuses.filter((s) => s.includes("collapsed"))).toHaveLength(19);
				// The writer's answer went out before its fill committed: it claims nothing stored.
				expect(statuses.filter((s) => s === "NeuroCache;fwd=uri-miss;fwd-status=200")).toHaveLength(
					1,
				);
				expect(origin.requests("/slow/coalesced")).toBe(1);
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"purge by URL needs the bearer token and drops the stored response",
			async () => {
				const { edge, origin } = running();
				await get("/pages/3");
				await stored("/pages/3");
				const purge = (authorization: string | undefined, body: unknown) =>
					fetch(`${edge.url}/_neuro/purge`, {
						method: "POST",
						headers: {
							"content-type": "application/json",
							...(authorization ? { authorization } : {}),
						},
						body: JSON.stringify(body),
					});
				const target = { url: `${edge.url}/pages/3` };
				expect((await purge(undefined, target)).status).toBe(401);
				expect((await purge("Bearer wrong", target)).status).toBe(401);
				expect((await purge(`Bearer ${ADMIN_TOKEN}`, { url: "not a url" })).status).toBe(400);
				// Refused purges changed nothing.
				expect((await get("/pages/3")).cacheStatus).toContain(";hit");
				const done = await purge(`Bearer ${ADMIN_TOKEN}`, target);
				expect(done.status).toBe(200);
				expect(await done.json()).toEqual({ purged: 1, soft: false });
				const cachedOnly = await get("/pages/3", { "cache-control": "only-if-cached" });
				expect(cachedOnly.response.status).toBe(504);
				expect((await get("/pages/3")).cacheStatus).toContain("fwd=uri-miss");
				expect(origin.requests("/pages/3")).toBe(2);
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"an origin that fails mid-body fails the client's response, and nothing is stored",
			async () => {
				const { edge, origin } = running();
				const open = origin.closeGate();
				let response: Response;
				try {
					response = await fetch(`${edge.url}/dies-midway`);
				} finally {
					open();
				}
				expect(response.status).toBe(200);
				// Never a clean end: that would pass the part that came off as the whole body.
				await expect(response.text()).rejects.toThrow();
				const cachedOnly = await get("/dies-midway", { "cache-control": "only-if-cached" });
				expect(cachedOnly.response.status).toBe(504);
				expect(origin.requests("/dies-midway")).toBeGreaterThanOrEqual(1);
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"HEAD: no Content-Length when unknown (a chunked miss), the GET's on hits and on the edge's own answers",
			async () => {
				const miss = await get("/chunked/head", {}, "HEAD");
				expect(miss.response.status).toBe(200);
				expect(miss.cacheStatus).toContain("fwd=uri-miss");
				// Any length here would have to be the GET's; 0 would say the body is empty.
				expect(miss.response.headers.get("content-length")).toBeNull();
				await stored("/chunked/head");
				const full = await get("/chunked/head");
				expect(full.body).toBe("chunked head\n");
				const hit = await get("/chunked/head", {}, "HEAD");
				expect(hit.cacheStatus).toContain(";hit");
				expect(hit.response.headers.get("content-length")).toBe(String(full.body.length));
				const onlyCached = { "cache-control": "only-if-cached" };
				const own = await get("/chunked/never-fetched", onlyCached);
				const ownHead = await get("/chunked/never-fetched", onlyCached, "HEAD");
				expect(ownHead.response.status).toBe(504);
				expect(ownHead.response.headers.get("content-length")).toBe(String(own.body.length));
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"Content-Encoding passes through: the origin's gzip bytes, on the miss and the hit",
			async () => {
				const { edge, origin } = running();
				const gzip = { "accept-encoding": "gzip" };
				// Bun's own fetch option: the bytes as they came, still compressed.
				const raw = async (base: string, headers: Record<string, string>) => {
					const init = { headers, decompress: false } as RequestInit;
					const response = await fetch(`${base}/compressed`, init);
					return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
				};
				const fromOrigin = await raw(origin.url, gzip);
				const plain = await (await fetch(`${origin.url}/compressed`, { headers: {} })).text();
				expect(fromOrigin.response.headers.get("content-encoding")).toBe("gzip");
				const miss = await raw(edge.url, gzip);
				if (limits.decodesContentCoding) {
					// The content arrives (re-encoded by the platform), but decoded bytes under
					// the origin's Content-Length are refused by the fill: nothing is stored.
					expect(new TextDecoder().decode(Bun.gunzipSync(miss.bytes))).toBe(plain);
					const cachedOnly = await get("/compressed", {
						...gzip,
						"cache-control": "only-if-cached",
					});
					expect(cachedOnly.response.status).toBe(504);
					return;
				}
				await stored("/compressed", gzip);
				const hit = await raw(edge.url, gzip);
				expect(hit.response.headers.get("cache-status")).toContain(";hit");
				for (const answer of [miss, hit]) {
					expect(answer.response.headers.get("content-encoding")).toBe("gzip");
					expect(answer.response.headers.get("vary")?.toLowerCase()).toContain("accept-encoding");
					expect(answer.bytes).toEqual(fromOrigin.bytes);
				}
				// A client that takes no gzip gets its own variant, plain.
				const identity = await get("/compressed", { "accept-encoding": "identity" });
				expect(identity.response.headers.get("content-encoding")).toBeNull();
				expect(identity.body).toBe(plain);
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"the origin gets the routed Host and no request fields the client did not send",
			async () => {
				const { edge, origin } = running();
				const echoed = await get("/echo/request-fields", { "accept-encoding": "identity" });
				const fields: Record<string, string> = JSON.parse(echoed.body);
				expect(fields.via).toBe("1.1 neurocache");
				expect(fields["accept-language"]).toBeUndefined();
				expect(fields["sec-fetch-mode"]).toBeUndefined();
				if (limits.setsOriginHostAndAcceptEncoding) {
					expect(fields.host).toBe(new URL(origin.url).host);
					expect(fields["accept-encoding"]).toBe("br, gzip");
				} else {
					expect(fields.host).toBe(new URL(edge.url).host);
					expect(fields["accept-encoding"] ?? "identity").not.toContain("gzip");
				}
			},
			CASE_TIMEOUT_MS,
		);

		test(
			"Cache-Status on every proxied answer: origin errors, HEAD, unsafe methods",
			async () => {
				// get() itself fails on any answer without a NeuroCache Cache-Status member.
				expect((await get("/no/such/page")).response.status).toBe(404);
				expect((await get("/pages/4", {}, "HEAD")).response.status).toBe(200);
				const post = await get("/pages/4", { "content-type": "text/plain" }, "POST");
				expect(post.response.status).toBe(200);
				expect(post.cacheStatus).toContain("fwd=method");
			},
			CASE_TIMEOUT_MS,
		);
	});
}
