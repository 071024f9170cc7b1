import { describe, expect, test } from "bun:test";
import { createDemoOrigin } from "../../edge/demo-origin.ts";
import { MAX_TAGS } from "../../edge/http/purge-tags.ts";
import type { OriginFetch } from "../../edge/proxy/origin-fetch.ts";
import { makeEdge, settle } from "./edge-harness.ts";

function edgeWith(fetchOrigin: OriginFetch) {
	return makeEdge({ fetchOrigin });
}

/** An origin that answers from a script of responses, counting calls and what they asked. */
function scripted(answers: (() => Response | Promise<Response>)[]) {
	const seen: Request[] = [];
	const fetchOrigin: OriginFetch = async (request) => {
		seen.push(request);
		const answer = answers[Math.min(seen.length - 1, answers.length - 1)];
		if (answer === undefined) throw new Error("no scripted answer");
		return answer();
	};
	return { fetchOrigin, seen };
}

describe("revalidation and stale responses", () => {
	test("a stale response is revalidated with its ETag; a 304 freshens it (RFC 9111 §4.3)", async () => {
		const origin = createDemoOrigin();
		const seen: Request[] = [];
		const { get, timers } = edgeWith(async (request) => {
			seen.push(request);
			return origin.app.request(request);
		});
		const first = await get("/pages/1");
		const body = await first.text();
		await settle();
		timers.advance(100_000); // max-age=60 plus stale-while-revalidate=30 are both past
		const second = await get("/pages/1");
		expect(second.headers.get("cache-status")).toBe("NeuroCache;fwd=stale;fwd-status=304;ttl=60");
		expect(await second.text()).toBe(body);
		expect(seen[1]?.headers.get("if-none-match")).toBe(first.headers.get("etag"));
		// Freshened: the next request is a plain hit.
		const third = await get("/pages/1");
		expect(third.headers.get("cache-status")).toBe("NeuroCache;hit;ttl=60");
		expect(seen).toHaveLength(2);
	});

	for (const forbidding of ["no-store", "private, max-age=100"]) {
		test(`a 304 that adds ${forbidding} serves the freshened copy once and stores nothing (RFC 9111 §3, §4.3.4)`, async () => {
			const { fetchOrigin, seen } = scripted([
				() => new Response("v1", { headers: { "cache-control": "max-age=1", etag: '"v1"' } }),
				() =>
					new Response(null, {
						status: 304,
						headers: { "cache-control": forbidding, etag: '"v1"' },
					}),
				() => new Response("v1 again", { headers: { "cache-control": forbidding, etag: '"v1"' } }),
			]);
			const { get, timers } = edgeWith(fetchOrigin);
			expect(await (await get("/x")).text()).toBe("v1");
			await settle();
			timers.advance(2_000);
			const revalidated = await get("/x");
			expect(revalidated.status).toBe(200);
			expect(await revalidated.text()).toBe("v1");
			expect(revalidated.headers.get("cache-control")).toBe(forbidding);
			await settle();
			// Nothing stored any more: the next request goes to the origin, and so does one
			// that would take any stored copy at all.
			const next = await get("/x", { "cache-control": "max-stale" });
			expect(await next.text()).toBe("v1 again");
			expect(next.headers.get("cache-status")).toContain("fwd=");
			expect(seen).toHaveLength(3);
		});
	}

	test("a 304 naming more purge tags than an object is kept under drops the stored copy", async () => {
		const manyTags = Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`).join(",");
		const { fetchOrigin, seen } = scripted([
			() =>
				new Response("v1", {
					headers: { "cache-control": "max-age=1", etag: '"v1"', "cache-tag": "t0" },
				}),
			() =>
				new Response(null, {
					status: 304,
					headers: { "cache-control": "max-age=100", etag: '"v1"', "cache-tag": manyTags },
				}),
			() => new Response("v2", { headers: { "cache-control": "max-age=100" } }),
		]);
		const { get, timers } = edgeWith(fetchOrigin);
		await (await get("/x")).text();
		await settle();
		timers.advance(2_000);
		expect(await (await get("/x")).text()).toBe("v1");
		await settle();
		// Before: kept under its first 64 tags only, fresh for 100 s, and a purge by the 65th
		// missed it. Now it is gone: the next request goes to the origin.
		const next = await get("/x");
		expect(next.headers.get("cache-status")).toContain("fwd=uri-miss");
		expect(await next.text()).toBe("v2");
		expect(seen).toHaveLength(3);
	});

	test("a 304 that adds a qualified private keeps the object without the named field (§5.2.2.7)", async () => {
		const { fetchOrigin, seen } = scripted([
			() => new Response("v1", { headers: { "cache-control": "max-age=1", etag: '"v1"' } }),
			() =>
				new Response(null, {
					status: 304,
					headers: {
						"cache-control": 'max-age=100, private="x-user"',
						etag: '"v1"',
						"x-user": "alice",
					},
				}),
		]);
		const { get, timers } = edgeWith(fetchOrigin);
		await (await get("/x")).text();
		await settle();
		timers.advance(2_000);
		await (await get("/x")).text();
		await settle();
		const hit = await get("/x");
		expect(hit.headers.get("cache-status")).toBe("NeuroCache;hit;ttl=100");
		expect(hit.headers.get("x-user")).toBeNull();
		expect(seen).toHaveLength(2);
	});

	test("a cookie-setting response without explicit freshness is never stored, so never served to another client, even with the origin down", async () => {
		const { fetchOrigin, seen } = scripted([
			() =>
				new Response("alice's page", {
					headers: { "set-cookie": "sid=ALICE", "last-modified": "Sun, 01 Nov 2026 00:00:00 GMT" },
				}),
			() => Promise.reject(new TypeError("connection refused")),
		]);
		const { get } = edgeWith(fetchOrigin);
		const first = await get("/account");
		expect(first.headers.get("set-cookie")).toBe("sid=ALICE");
		expect(first.headers.get("cache-status")).toContain('detail="set-cookie"');
		await first.text();
		await settle();
		const next = await get("/account");
		expect(next.status).toBe(502);
		expect(next.headers.get("set-cookie")).toBeNull();
		expect(await next.text()).not.toContain("alice");
		expect(seen).toHaveLength(2);
	});

	test("a changed object comes back whole and replaces the stored one", async () => {
		const { fetchOrigin, seen } = scripted([
			() => new Response("v1", { headers: { "cache-control": "max-age=10", etag: '"1"' } }),
			() => new Response("v2", { headers: { "cache-control": "max-age=10", etag: '"2"' } }),
		]);
		const { get, timers } = edgeWith(fetchOrigin);
		expect(await (await get("/x")).text()).toBe("v1");
		await settle();
		timers.advance(11_000);
		const refetched = await get("/x");
		expect(await refetched.text()).toBe("v2");
		expect(refetched.headers.get("cache-status")).toContain("fwd=stale");
		await settle();
		expect(await (await get("/x")).text()).toBe("v2");
		expect(seen).toHaveLength(2);
	});

	test("stale-while-revalidate serves stale at once and refreshes in the background (RFC 5861 §3)", async () => {
		const { fetchOrigin, seen } = scripted([
			() =>
				new Response("old", {
					headers: { "cache-control": "max-age=10, stale-while-revalidate=30" },
				}),
			() =>
				new Response("new", {
					headers: { "cache-control": "max-age=10, stale-while-revalidate=30" },
				}),
		]);
		const { get, timers } = edgeWith(fetchOrigin);
		await (await get("/swr")).text();
		await settle();
		timers.advance(15_000);
		const stale = await get("/swr");
		expect(await stale.text()).toBe("old");
		expect(stale.headers.get("cache-status")).toBe(
			'NeuroCache;hit;ttl=-5;detail="stale-while-revalidate"',
		);
		await settle();
		expect(seen).toHaveLength(2);
		expect(await (await get("/swr")).text()).toBe("new");
	});

	test("stale-if-error serves the stale copy when the origin fails (RFC 5861 §4)", async () => {
		const { fetchOrigin } = scripted([
			() => new Response("kept", { headers: { "cache-control": "max-age=10, stale-if-error=60" } }),
			() => Promise.reject(new TypeError("connection refused")),
		]);
		const { get, timers } = edgeWith(fetchOrigin);
		await (await get("/sie")).text();
		await settle();
		timers.advance(20_000);
		const res = await get("/sie");
		expect(res.status).toBe(200);
		expect(await res.text()).toBe("kept");
		expect(res.headers.get("cache-status")).toContain('detail="stale-if-error"');
	});

	test("a 5xx from the origin also falls back to stale-if-error", async () => {
		const { fetchOrigin } = scripted([
			() => new Response("kept", { headers: { "cache-control": "max-age=10, stale-if-error=60" } }),
			() => new Response("down", { status: 503 }),
		]);
		const { get, timers } = edgeWith(fetchOrigin);
		await (await get("/sie")).text();
		await settle();
		timers.advance(20_000);
		const res = await get("/sie");
		expect(await res.text()).toBe("kept");
		// Served without waiting on a usable origin answer: a hit (RFC 9211 §2.1), so no fwd-status.
		expect(res.headers.get("cache-status")).toBe('NeuroCache;hit;ttl=-10;detail="stale-if-error"');
	});

	test("must-revalidate forbids stale-if-error: the error is passed on (RFC 9111 §5.2.2.2)", async () => {
		const { fetchOrigin } = scripted([
			() =>
				new Response("strict", {
					headers: { "cache-control": "max-age=10, must-revalidate, stale-if-error=60" },
				}),
			() => Promise.reject(new TypeError("connection refused")),
		]);
		const { get, timers } = edgeWith(fetchOrigin);
		await (await get("/strict")).text();
		await settle();
		timers.advance(20_000);
		expect((await get("/strict")).status).toBe(502);
	});

	describe("stale when the origin cannot be reached (RFC 9111 §4.2.4, disconnected)", () => {
		const storedThenDown = (answerWhenDown: () => Response | Promise<Response>) =>
			scripted([
				() => new Response("kept", { headers: { "cache-control": "max-age=10", etag: '"k"' } }),
				answerWhenDown,
			]);
		const refused = () => Promise.reject(new TypeError("connection refused"));

		test("an unreachable origin: the stale copy is served, and says why", async () => {
			const { fetchOrigin, seen } = storedThenDown(refused);
			const { get, timers } = makeEdge({ fetchOrigin });
			await (await get("/down")).text();
			await settle();
			timers.advance(60_000);
			const res = await get("/down");
			expect(res.status).toBe(200);
			expect(await res.text()).toBe("kept");
			expect(res.headers.get("cache-status")).toBe(
				'NeuroCache;hit;ttl=-50;detail="origin-unreachable"',
			);
			expect(seen).toHaveLength(2);
		});

		test("an origin that answers, even with a 503, is not unreachable: its answer is passed on", async () => {
			const { fetchOrigin } = storedThenDown(() => new Response("down", { status: 503 }));
			const { get, timers } = makeEdge({ fetchOrigin });
			await (await get("/503")).text();
			await settle();
			timers.advance(60_000);
			const res = await get("/503");
			expect(res.status).toBe(503);
			expect(await res.text()).toBe("down");
		});

		test("an origin that answers with something that is not HTTP is not unreachable: 502, nothing stale", async () => {
			const notHttp = () =>
				Promise.reject(
					Object.assign(new TypeError("bad status line"), { code: "Malformed_HTTP_Response" }),
				);
			const { fetchOrigin, seen } = storedThenDown(notHttp);
			const { get, timers } = makeEdge({ fetchOrigin });
			await (await get("/garbled")).text();
			await settle();
			timers.advance(60_000);
			const res = await get("/garbled");
			expect(res.status).toBe(502);
			expect(await res.text()).toBe("origin sent an invalid response\n");
			expect(res.headers.get("cache-status")).toBe(
				'NeuroCache;fwd=stale;detail="origin-invalid-response"',
			);
			expect(seen).toHaveLength(2);
		});

		test("stale-if-error covers an answer that is not HTTP, as it covers a 5xx", async () => {
			const { fetchOrigin } = scripted([
				() =>
					new Response("kept", { headers: { "cache-control": "max-age=10, stale-if-error=600" } }),
				() =>
					Promise.reject(
						Object.assign(new TypeError("bad length"), { code: "InvalidContentLength" }),
					),
			]);
			const { get, timers } = makeEdge({ fetchOrigin });
			await (await get("/garbled-sie")).text();
			await settle();
			timers.advance(60_000);
			const res = await get("/garbled-sie");
			expect(await res.text()).toBe("kept");
			expect(res.headers.get("cache-status")).toBe(
				'NeuroCache;hit;ttl=-50;detail="stale-if-error"',
			);
		});

		test("no further than the configured limit, and never with 0", async () => {
			for (const [limit, advanceMs, status] of [
				[100, 60_000, 200],
				[100, 200_000, 502],
				[0, 11_000, 502],
			] as const) {
				const { fetchOrigin } = storedThenDown(refused);
				const { get, timers } = makeEdge({ fetchOrigin, staleIfUnreachableSeconds: limit });
				await (await get("/limit")).text();
				await settle();
				timers.advance(advanceMs);
				const res = await get("/limit");
				expect(res.status).toBe(status);
				await res.arrayBuffer();
			}
		});

		test("a response without validators is kept for it too, but not when the limit is 0", async () => {
			for (const [limit, status] of [
				[undefined, 200],
				[0, 502],
			] as const) {
				const { fetchOrigin } = scripted([
					() => new Response("plain", { headers: { "cache-control": "max-age=10" } }),
					refused,
				]);
				const { get, timers } = makeEdge({
					fetchOrigin,
					...(limit === undefined ? {} : { staleIfUnreachableSeconds: limit }),
				});
				await (await get("/plain")).text();
				await settle();
				timers.advance(60_000);
				const res = await get("/plain");
				expect({ limit, status: res.status }).toEqual({ limit, status });
				await res.arrayBuffer();
			}
		});

		test("requests waiting on a writer that finds the origin down get the stale copy at once", async () => {
			let calls = 0;
			let failNow: () => void = () => {};
			const fetchOrigin: OriginFetch = async () => {
				calls++;
				if (calls === 1)
					return new Response("kept", { headers: { "cache-control": "max-age=10", etag: '"k"' } });
				// The writer's call hangs until the test fails it; any later call fails at once.
				if (calls === 2)
					return new Promise((_, reject) => {
						failNow = () => reject(new TypeError("connection refused"));
					});
				throw new TypeError("connection refused");
			};
			const { get, timers } = makeEdge({ fetchOrigin });
			await (await get("/coalesced")).text();
			await settle();
			timers.advance(60_000);
			const pending = [get("/coalesced"), get("/coalesced"), get("/coalesced")];
			await settle();
			failNow();
			for (const res of await Promise.all(pending)) {
				expect(res.status).toBe(200);
				expect(await res.text()).toBe("kept");
			}
			// Only the writer went to the origin: the waiters did not each try again.
			expect(calls).toBe(2);
		});

		test("a client's no-cache forbids it, for a fresh copy too, unless it takes stale-if-error (§4)", async () => {
			for (const [requestDirectives, advance, served] of [
				["no-cache", 0, false], // fresh by the origin's rules, but validation was asked for
				["no-cache", 60_000, false],
				["no-cache, stale-if-error=600", 0, true],
				["no-cache, stale-if-error=600", 60_000, true],
				["max-age=0", 0, true], // a preference only (§5.2.1.1)
			] as const) {
				const { fetchOrigin } = storedThenDown(refused);
				const { get, timers } = makeEdge({ fetchOrigin });
				await (await get("/reload")).text();
				await settle();
				timers.advance(advance);
				const res = await get("/reload", { "cache-control": requestDirectives });
				expect({ requestDirectives, advance, status: res.status }).toEqual({
					requestDirectives,
					advance,
					status: served ? 200 : 502,
				});
				if (served) expect(await res.text()).toBe("kept");
			}
		});

		test("must-revalidate still forbids it (§5.2.2.2: in all circumstances)", async () => {
			const { fetchOrigin } = scripted([
				() =>
					new Response("strict", {
						headers: { "cache-control": "max-age=10, must-revalidate", etag: '"s"' },
					}),
				refused,
			]);
			const { get, timers } = makeEdge({ fetchOrigin });
			await (await get("/strict-down")).text();
			await settle();
			timers.advance(20_000);
			expect((await get("/strict-down")).status).toBe(502);
		});
	});
	test("a Range GET revalidating a changed object gets its 206 cut from the whole, which is stored", async () => {
		// An origin that honours Range and If-None-Match, as most do.
		let current = { etag: '"1"', body: "0123456789" };
		const seen: Request[] = [];
		const { get, timers } = edgeWith(async (request) => {
			seen.push(request);
			const headers = { "cache-control": "max-age=10", etag: current.etag };
			if (request.headers.get("if-none-match") === current.etag)
				return new Response(null, { status: 304, headers });
			const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get("range") ?? "");
			if (range !== null) {
				const [start, end] = [Number(range[1]), Number(range[2])];
				return new Response(current.body.slice(start, end + 1), {
					status: 206,
					headers: {
						...headers,
						"content-range": `bytes ${start}-${end}/${current.body.length}`,
					},
				});
			}
			return new Response(current.body, {
				headers: { ...headers, "content-length": String(current.body.length) },
			});
		});
		expect(await (await get("/r")).text()).toBe("0123456789");
		await settle();
		timers.advance(11_000);
		current = { etag: '"2"', body: "abcdefghij" };
		const part = await get("/r", { range: "bytes=0-3" });
		expect(part.status).toBe(206);
		expect(part.headers.get("content-range")).toBe("bytes 0-3/10");
		expect(await part.text()).toBe("abcd");
		// Before: the revalidation carried the client's Range, the origin's 206 could not be
		// stored, the writer marked the key uncacheable, and the stale copy stayed.
		expect(seen[1]?.headers.get("range")).toBeNull();
		expect(seen[1]?.headers.get("if-none-match")).toBe('"1"');
		await settle();
		const whole = await get("/r");
		expect(whole.headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		expect(await whole.text()).toBe("abcdefghij");
		expect(seen).toHaveLength(2);
	});

	test("a Range GET whose revalidation gets a 304 is served its range of the stored copy", async () => {
		const seen: Request[] = [];
		const { get, timers } = edgeWith(async (request) => {
			seen.push(request);
			const headers = { "cache-control": "max-age=10", etag: '"1"' };
			if (request.headers.get("if-none-match") === '"1"')
				return new Response(null, { status: 304, headers });
			return new Response("0123456789", { headers });
		});
		await (await get("/r")).text();
		await settle();
		timers.advance(11_000);
		const part = await get("/r", { range: "bytes=2-4" });
		expect(part.status).toBe(206);
		expect(await part.text()).toBe("234");
		expect(part.headers.get("cache-status")).toContain("fwd-status=304");
		expect(seen).toHaveLength(2);
	});
});
