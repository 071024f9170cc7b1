import { describe, expect, test } from "bun:test";
import { makeEdge, settle } from "./edge-harness.ts";
import { breakingBody, deferred, heldOrigin, until } from "./held-origin.ts";

// What Cache-Status (RFC 9211) says on the answers that go forward: each claim is one the
// cache can stand by when the fields go out.

/** A body of `text`, sent in two chunks with no Content-Length (chunked on the wire). */
function chunked(text: string): ReadableStream<Uint8Array> {
	const bytes = new TextEncoder().encode(text);
	const half = Math.floor(bytes.byteLength / 2);
	return new ReadableStream({
		start(controller) {
			controller.enqueue(bytes.subarray(0, half));
			controller.enqueue(bytes.subarray(half));
			controller.close();
		},
	});
}

/** Reads the whole body, or "broken". */
const read = (response: Response) => response.text().catch(() => "broken");

describe("Cache-Status on a fill", () => {
	test.each([
		[
			"a body shorter than its Content-Length",
			() =>
				new Response("short", {
					headers: { "cache-control": "max-age=60", "content-length": "10" },
				}),
		],
		[
			"a body that breaks mid-stream",
			() => new Response(breakingBody("par"), { headers: { "cache-control": "max-age=60" } }),
		],
		[
			"a chunked body that grows over the size gate",
			() =>
				new Response(chunked("x".repeat(2_000)), { headers: { "cache-control": "max-age=60" } }),
		],
	])("%s: no stored claim before the commit, and nothing stored", async (_name, answer) => {
		const origin = heldOrigin([{ answer }]);
		const { get } = makeEdge({ fetchOrigin: origin.fetchOrigin, maxObjectBytes: 1_000 });
		const fill = await get("/k");
		expect(fill.headers.get("cache-status")).toBe("NeuroCache;fwd=uri-miss;fwd-status=200");
		await read(fill);
		await settle();
		const cached = await get("/k", { "cache-control": "only-if-cached" });
		expect(cached.status).toBe(504);
	});

	test("a Content-Length over the size gate is known at once: stored=?0, and why", async () => {
		const origin = heldOrigin([
			{
				answer: () =>
					new Response("x".repeat(2_000), {
						headers: { "cache-control": "max-age=60", "content-length": "2000" },
					}),
			},
		]);
		const { get } = makeEdge({ fetchOrigin: origin.fetchOrigin, maxObjectBytes: 1_000 });
		const fill = await get("/k");
		expect(fill.headers.get("cache-status")).toBe(
			'NeuroCache;fwd=uri-miss;fwd-status=200;stored=?0;detail="too-large"',
		);
		await read(fill);
	});

	test("waiters served from the writer's fill say collapsed, not uncacheable", async () => {
		const gate = deferred();
		const origin = heldOrigin([
			{
				gate: gate.promise,
				answer: () => new Response("v", { headers: { "cache-control": "max-age=60" } }),
			},
		]);
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const responses = Array.from({ length: 5 }, () => get("/k"));
		await until("4 waiters", () => lock.stats().waiting === 4);
		gate.resolve();
		const statuses = await Promise.all(
			responses.map(async (r) => {
				const response = await r;
				await read(response);
				return response.headers.get("cache-status");
			}),
		);
		expect(statuses).toEqual([
			"NeuroCache;fwd=uri-miss;fwd-status=200",
			...Array(4).fill("NeuroCache;fwd=uri-miss;ttl=60;collapsed"),
		]);
	});
});

describe("Cache-Status on a stale entry", () => {
	/** A stored response, made stale; then the origin answers `next`. */
	async function staleEdge(next: () => Response) {
		const origin = heldOrigin([
			{
				answer: () =>
					new Response("old", { headers: { "cache-control": "max-age=10", etag: '"old"' } }),
			},
			{ answer: next },
		]);
		const edge = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await read(await edge.get("/k"));
		await settle();
		edge.timers.advance(20_000);
		return { ...edge, origin };
	}

	test("a revalidation whose new answer is not stored says fwd=stale, stored=?0 and why", async () => {
		const { get } = await staleEdge(
			() => new Response("new", { headers: { "cache-control": "no-store" } }),
		);
		const refetched = await get("/k");
		expect(await read(refetched)).toBe("new");
		expect(refetched.headers.get("cache-status")).toBe(
			'NeuroCache;fwd=stale;fwd-status=200;stored=?0;detail="no-store"',
		);
	});

	test("a revalidation whose new answer is being stored says fwd=stale, claiming nothing yet", async () => {
		const { get } = await staleEdge(
			() => new Response("new", { headers: { "cache-control": "max-age=10", etag: '"new"' } }),
		);
		const refetched = await get("/k");
		expect(await read(refetched)).toBe("new");
		expect(refetched.headers.get("cache-status")).toBe("NeuroCache;fwd=stale;fwd-status=200");
	});

	test("a HEAD on a stale entry goes forward as fwd=stale; its 200 is not stored", async () => {
		const { get, origin } = await staleEdge(
			() => new Response(null, { headers: { "cache-control": "max-age=10", etag: '"new"' } }),
		);
		const head = await get("/k", {}, "HEAD");
		expect(origin.seen[1]?.method).toBe("HEAD");
		expect(head.headers.get("cache-status")).toBe("NeuroCache;fwd=stale;fwd-status=200;stored=?0");
	});

	test("a stale response served under the request's max-stale says so", async () => {
		const { get, origin } = await staleEdge(() => new Response("unused"));
		const served = await get("/k", { "cache-control": "max-stale=60" });
		expect(await read(served)).toBe("old");
		expect(served.headers.get("cache-status")).toBe('NeuroCache;hit;ttl=-10;detail="max-stale"');
		expect(origin.seen).toHaveLength(1);
	});
});

test("a request with no-store goes forward as fwd=request", async () => {
	const origin = heldOrigin([
		{ answer: () => new Response("v", { headers: { "cache-control": "max-age=60" } }) },
	]);
	const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
	const response = await get("/k", { "cache-control": "no-store" });
	expect(response.headers.get("cache-status")).toBe(
		"NeuroCache;fwd=request;fwd-status=200;stored=?0",
	);
	expect(lock.stats().uncacheableKeys).toBe(0);
});
