import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { sliceStream } from "../../edge/proxy/fill-answer.ts";
import type { OriginFetch } from "../../edge/proxy/origin-fetch.ts";
import { makeEdge, settle } from "./edge-harness.ts";

const BODY = new Uint8Array(1000).map((_, i) => i % 251);

/** A chunked stream of `bytes`, cut at `cuts` (offsets), optionally failing after them. */
function streamOf(bytes: Uint8Array, cuts: readonly number[], failAfter = false) {
	const bounds = [0, ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)];
	let next = 0;
	return new ReadableStream<Uint8Array>({
		pull(controller) {
			if (next < bounds.length) {
				const from = bounds[next] as number;
				const to = (bounds[next + 1] as number | undefined) ?? bytes.length;
				next++;
				controller.enqueue(bytes.slice(from, to));
				return;
			}
			if (failAfter) controller.error(new Error("origin died"));
			else controller.close();
		},
	});
}

/** An origin serving BODY in 100-byte chunks; `lengthKnown: false` sends no Content-Length. */
function origin(options: { lengthKnown?: boolean; failAfter?: number } = {}) {
	const seen: Request[] = [];
	const fetchOrigin: OriginFetch = async (request) => {
		seen.push(request);
		const cuts = [100, 200, 300, 400, 500, 600, 700, 800, 900];
		const sent = options.failAfter === undefined ? BODY : BODY.subarray(0, options.failAfter);
		const headers: Record<string, string> = {
			"cache-control": "max-age=600",
			etag: '"r1"',
			"content-type": "application/octet-stream",
		};
		if (options.lengthKnown !== false) headers["content-length"] = String(BODY.byteLength);
		return new Response(streamOf(sent, cuts, options.failAfter !== undefined), { headers });
	};
	return { fetchOrigin, seen };
}

describe("a Range GET that misses (RFC 9110 §14)", () => {
	test("gets a 206 cut from the fill, while the whole object is stored", async () => {
		const { fetchOrigin, seen } = origin();
		const { get } = makeEdge({ fetchOrigin });
		const res = await get("/video", { range: "bytes=150-449" });
		expect(res.status).toBe(206);
		expect(res.headers.get("content-range")).toBe("bytes 150-449/1000");
		expect(res.headers.get("content-length")).toBe("300");
		expect(new Uint8Array(await res.arrayBuffer())).toEqual(BODY.slice(150, 450));
		// The forward asked for the whole object.
		expect(seen[0]?.headers.get("range")).toBeNull();
		await settle();
		const whole = await get("/video");
		expect(whole.headers.get("cache-status")).toContain("hit");
		expect(new Uint8Array(await whole.arrayBuffer())).toEqual(BODY);
		expect(seen).toHaveLength(1);
	});

	test("a suffix range and an open-ended one", async () => {
		const { fetchOrigin } = origin();
		const { get } = makeEdge({ fetchOrigin });
		const tail = await get("/a", { range: "bytes=-10" });
		expect(tail.headers.get("content-range")).toBe("bytes 990-999/1000");
		expect(new Uint8Array(await tail.arrayBuffer())).toEqual(BODY.slice(990));
		const open = await get("/b", { range: "bytes=995-" });
		expect(new Uint8Array(await open.arrayBuffer())).toEqual(BODY.slice(995));
	});

	test("an unsatisfiable range is a 416, and the object is still stored", async () => {
		const { fetchOrigin, seen } = origin();
		const { get } = makeEdge({ fetchOrigin });
		const res = await get("/c", { range: "bytes=5000-" });
		expect(res.status).toBe(416);
		expect(res.headers.get("content-range")).toBe("bytes */1000");
		await res.arrayBuffer();
		for (let i = 0; i < 5 && !(await get("/c")).headers.get("cache-status")?.includes("hit"); i++)
			await settle();
		expect(seen).toHaveLength(1);
	});

	test("If-Range that does not match the response gets the whole 200 (§13.1.5)", async () => {
		const { fetchOrigin } = origin();
		const { get } = makeEdge({ fetchOrigin });
		const res = await get("/d", { range: "bytes=0-9", "if-range": '"other"' });
		expect(res.status).toBe(200);
		expect((await res.arrayBuffer()).byteLength).toBe(1000);
	});

	test("without a Content-Length the complete length is unknown: the whole 200", async () => {
		const { fetchOrigin } = origin({ lengthKnown: false });
		const { get } = makeEdge({ fetchOrigin });
		const res = await get("/e", { range: "bytes=0-9" });
		expect(res.status).toBe(200);
		expect(new Uint8Array(await res.arrayBuffer())).toEqual(BODY);
	});

	test("an origin that dies before the range is complete fails the client, stores nothing", async () => {
		const { fetchOrigin, seen } = origin({ failAfter: 300 });
		const { get } = makeEdge({ fetchOrigin });
		const res = await get("/f", { range: "bytes=200-599" });
		expect(res.status).toBe(206);
		await expect(res.arrayBuffer()).rejects.toThrow();
		await settle();
		const again = await get("/f");
		expect(again.headers.get("cache-status")).not.toContain("hit");
		await again.arrayBuffer().catch(() => {});
		expect(seen).toHaveLength(2);
	});
});

describe("a conditional GET that misses (RFC 9110 §13.2.2, RFC 9111 §4.3.2)", () => {
	test("a matching If-None-Match gets a 304, while the whole object is stored", async () => {
		const { fetchOrigin, seen } = origin();
		const { get } = makeEdge({ fetchOrigin });
		const res = await get("/g", { "if-none-match": 'W/"zz", "r1"' });
		expect(res.status).toBe(304);
		expect(res.headers.get("etag")).toBe('"r1"');
		expect(res.headers.get("content-length")).toBeNull();
		expect(await res.text()).toBe("");
		// The forward asked for the whole object, without the client's validator.
		expect(seen[0]?.headers.get("if-none-match")).toBeNull();
		await settle();
		const whole = await get("/g");
		expect(whole.headers.get("cache-status")).toContain("hit");
		expect(new Uint8Array(await whole.arrayBuffer())).toEqual(BODY);
		expect(seen).toHaveLength(1);
	});

	test("a validator that does not match gets the whole 200", async () => {
		const { fetchOrigin } = origin();
		const { get } = makeEdge({ fetchOrigin });
		const res = await get("/h", { "if-none-match": '"other"' });
		expect(res.status).toBe(200);
		expect(new Uint8Array(await res.arrayBuffer())).toEqual(BODY);
	});

	test("If-Modified-Since without a Last-Modified: judged by Date only when the response is stored", async () => {
		const later = new Date(Date.UTC(2030, 0, 1)).toUTCString();
		for (const [cacheControl, status] of [
			["max-age=600", 304],
			["no-store", 200],
		] as const) {
			const fetchOrigin: OriginFetch = async () =>
				new Response("body", {
					headers: {
						"cache-control": cacheControl,
						date: new Date(Date.UTC(2026, 0, 1)).toUTCString(),
					},
				});
			const { get } = makeEdge({ fetchOrigin });
			const res = await get(`/ims-${status}`, { "if-modified-since": later });
			expect({ cacheControl, status: res.status }).toEqual({ cacheControl, status });
			await res.arrayBuffer();
		}
	});

	test("If-None-Match is checked before Range (§13.2.2): a match is a 304, not a 206", async () => {
		const { fetchOrigin } = origin();
		const { get } = makeEdge({ fetchOrigin });
		const res = await get("/i", { "if-none-match": '"r1"', range: "bytes=0-9" });
		expect(res.status).toBe(304);
	});
});

describe("sliceStream", () => {
	test("property: any range of any chunking equals the same slice of the whole", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.uint8Array({ minLength: 1, maxLength: 300 }),
				fc.array(fc.nat(300), { maxLength: 10 }),
				fc.nat(299),
				fc.nat(299),
				async (bytes, cuts, a, b) => {
					const start = Math.min(a, b) % bytes.length;
					const end = Math.min(Math.max(a, b), bytes.length - 1);
					const sliced = sliceStream(streamOf(bytes, cuts), start, end);
					const got = new Uint8Array(await new Response(sliced).arrayBuffer());
					expect(got).toEqual(bytes.slice(start, end + 1));
				},
			),
			{ numRuns: 200 },
		);
	});
});
