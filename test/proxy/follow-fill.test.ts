import { describe, expect, test } from "bun:test";
import { FillFeed, FOLLOWED_FROM_BYTES } from "../../edge/proxy/fill-feed.ts";
import { type EdgeHarnessOptions, makeEdge, purgeThrough, settle } from "./edge-harness.ts";
import { deferred, fresh, heldOrigin, outcomes, until } from "./held-origin.ts";

const CHUNK = 512 * 1024;
/** Four chunks: over the size at which a fill is followed. */
const LENGTH = 4 * CHUNK + 7;

function bytesOf(length: number, seed: number): Uint8Array {
	const bytes = new Uint8Array(length);
	for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
	return bytes;
}

const BODY = bytesOf(LENGTH, 5);
const PIECES = [0, 1, 2, 3, 4].map((i) =>
	BODY.subarray(i * CHUNK, Math.min(LENGTH, (i + 1) * CHUNK)),
);

/** An origin body the test sends piece by piece (or breaks), with its length declared. */
function pacedBody() {
	let control!: ReadableStreamDefaultController<Uint8Array>;
	const stream = new ReadableStream<Uint8Array>({
		start(c) {
			control = c;
		},
	});
	return {
		/** The origin's answer; `declared` false sends it chunked (no Content-Length). */
		response: (extra: Record<string, string> = {}, declared = true) =>
			new Response(stream, {
				headers: {
					"cache-control": "max-age=60",
					"content-type": "application/octet-stream",
					...(declared ? { "content-length": String(LENGTH) } : {}),
					...extra,
				},
			}),
		send: (piece: Uint8Array) => control.enqueue(piece.slice()),
		end: () => control.close(),
		fail: () => control.error(new Error("origin reset mid-body")),
	};
}

/** A body's reader, as the runtime's Response gives it. */
interface BodyReader {
	read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
}

/** Reads `count` bytes of a body (or fewer, if it ends first), keeping the reader open. */
async function readAtLeast(reader: BodyReader, count: number) {
	const parts: Uint8Array[] = [];
	let have = 0;
	while (have < count) {
		const { done, value } = await reader.read();
		if (done || value === undefined) break;
		parts.push(value);
		have += value.byteLength;
	}
	return Buffer.concat(parts);
}

async function readRest(reader: BodyReader, first: Uint8Array) {
	const rest = await readAtLeast(reader, Number.POSITIVE_INFINITY);
	return Buffer.concat([first, rest]);
}

/** An edge with a large objects' store (a followed body is over the memory tier's gate). */
function edgeWith(options: EdgeHarnessOptions) {
	return makeEdge({ largeBytes: 64 << 20, lockTimeouts: { readerWaitMs: 60_000 }, ...options });
}

describe("requests waiting on a large fill follow it as it arrives", () => {
	test("the body is large enough to be followed", () => {
		expect(LENGTH).toBeGreaterThan(FOLLOWED_FROM_BYTES);
	});

	test("waiters get the head and the first bytes before the origin has sent the rest; one origin call", async () => {
		const body = pacedBody();
		const origin = heldOrigin([{ answer: () => body.response() }]);
		const { get, lock } = edgeWith({ fetchOrigin: origin.fetchOrigin });
		const pending = Array.from({ length: 10 }, () => get("/big"));
		await origin.arrived(1);
		// Every response's head is out while the origin has sent nothing of the body yet.
		const responses = await Promise.all(pending);
		expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
		const followers = responses.filter((r) => r.headers.get("cache-status")?.includes("collapsed"));
		expect(followers).toHaveLength(9);
		expect(lock.stats()).toMatchObject({ followed: 9, waiting: 0, locksHeld: 1 });

		const readers = responses.map((r) => (r.body as ReadableStream<Uint8Array>).getReader());
		body.send(PIECES[0] as Uint8Array);
		const firsts = await Promise.all(readers.map((reader) => readAtLeast(reader, CHUNK)));
		for (const first of firsts) expect(first.equals(PIECES[0] as Uint8Array)).toBe(true);

		for (const piece of PIECES.slice(1)) body.send(piece);
		body.end();
		const whole = await Promise.all(
			readers.map((reader, i) => readRest(reader, firsts[i] as Buffer)),
		);
		for (const bytes of whole) expect(bytes.equals(BODY)).toBe(true);
		expect(origin.seen).toHaveLength(1);
		await until("the fill to commit", () => lock.stats().locksHeld === 0);
		const after = await get("/big");
		expect(after.headers.get("cache-status")).toContain("hit");
		expect(Buffer.from(await after.arrayBuffer()).equals(BODY)).toBe(true);
		const metrics = await (await get("/_neuro/metrics")).text();
		expect(metrics).toContain('neuro_coalescing_followed_total{pop="test"} 9');
		expect(metrics).toContain('neuro_coalesced_waits_total{pop="test"} 9');
	});

	test("a follower that comes after part of the body has arrived gets it from the first byte", async () => {
		const body = pacedBody();
		const origin = heldOrigin([{ answer: () => body.response() }]);
		const { get, lock } = edgeWith({ fetchOrigin: origin.fetchOrigin });
		const writer = await get("/big");
		const writerReader = (writer.body as ReadableStream<Uint8Array>).getReader();
		body.send(PIECES[0] as Uint8Array);
		body.send(PIECES[1] as Uint8Array);
		const writerFirst = await readAtLeast(writerReader, 2 * CHUNK);

		const late = await get("/big");
		expect(late.headers.get("cache-status")).toContain("collapsed");
		expect(lock.stats().followed).toBe(1);
		for (const piece of PIECES.slice(2)) body.send(piece);
		body.end();
		expect(Buffer.from(await late.arrayBuffer()).equals(BODY)).toBe(true);
		expect((await readRest(writerReader, writerFirst)).equals(BODY)).toBe(true);
		expect(origin.seen).toHaveLength(1);
	});

	test("a HEAD follows with the declared length and no body", async () => {
		const body = pacedBody();
		const origin = heldOrigin([{ answer: () => body.response() }]);
		const { get } = edgeWith({ fetchOrigin: origin.fetchOrigin });
		const writer = get("/big");
		await origin.arrived(1);
		const head = await get("/big", {}, "HEAD");
		expect(head.status).toBe(200);
		expect(head.headers.get("content-length")).toBe(String(LENGTH));
		expect(head.headers.get("cache-status")).toContain("collapsed");
		expect(await head.text()).toBe("");
		for (const piece of PIECES) body.send(piece);
		body.end();
		expect(Buffer.from(await (await writer).arrayBuffer()).equals(BODY)).toBe(true);
	});

	test("a follower whose validator matches gets a 304 at once", async () => {
		const body = pacedBody();
		const origin = heldOrigin([{ answer: () => body.response({ etag: '"v1"' }) }]);
		const { get } = edgeWith({ fetchOrigin: origin.fetchOrigin });
		const writer = get("/big");
		await origin.arrived(1);
		const conditional = await get("/big", { "if-none-match": '"v1"' });
		expect(conditional.status).toBe(304);
		expect(conditional.headers.get("cache-status")).toContain("collapsed");
		for (const piece of PIECES) body.send(piece);
		body.end();
		await (await writer).arrayBuffer();
		expect(origin.seen).toHaveLength(1);
	});

	test("an origin that breaks off mid-body fails every follower's body (no short 200) and stores nothing", async () => {
		const body = pacedBody();
		const origin = heldOrigin([
			{ answer: () => body.response() },
			{ answer: () => fresh("again") },
		]);
		const { get, lock } = edgeWith({ fetchOrigin: origin.fetchOrigin });
		const pending = Array.from({ length: 5 }, () => get("/big"));
		await origin.arrived(1);
		const responses = await Promise.all(pending);
		body.send(PIECES[0] as Uint8Array);
		body.fail();
		const all = await outcomes(responses.map((r) => Promise.resolve(r)));
		expect(all.map((o) => o.body)).toEqual(Array(5).fill("broken"));
		await until("the lock to end", () => lock.stats().locksHeld === 0);
		const next = await get("/big");
		expect(await next.text()).toBe("again");
		expect(origin.seen).toHaveLength(2);
	});

	test("a Range follows too, its part cut from the body as it passes; bytes=0- gets it all", async () => {
		const body = pacedBody();
		const origin = heldOrigin([{ answer: () => body.response() }]);
		const { get, lock } = edgeWith({ fetchOrigin: origin.fetchOrigin });
		const writer = get("/big");
		await origin.arrived(1);
		const ranged = await get("/big", { range: "bytes=10-19" });
		const fromStart = await get("/big", { range: "bytes=0-" });
		const past = await get("/big", { range: `bytes=${LENGTH}-` });
		expect(ranged.status).toBe(206);
		expect(ranged.headers.get("content-range")).toBe(`bytes 10-19/${LENGTH}`);
		expect(ranged.headers.get("cache-status")).toContain("collapsed");
		expect(fromStart.status).toBe(206);
		expect(fromStart.headers.get("content-range")).toBe(`bytes 0-${LENGTH - 1}/${LENGTH}`);
		expect(past.status).toBe(416);
		expect(past.headers.get("content-range")).toBe(`bytes */${LENGTH}`);
		// The first part is whole once the first chunk has passed, the rest not yet sent.
		body.send(PIECES[0] as Uint8Array);
		expect(Buffer.from(await ranged.arrayBuffer()).equals(BODY.subarray(10, 20))).toBe(true);
		for (const piece of PIECES.slice(1)) body.send(piece);
		body.end();
		expect(Buffer.from(await fromStart.arrayBuffer()).equals(BODY)).toBe(true);
		await (await writer).arrayBuffer();
		expect(lock.stats().followed).toBe(3);
		expect(origin.seen).toHaveLength(1);
	});

	test("a waiter for another variant, or one the fresh head does not satisfy, waits for the stored object", async () => {
		const body = pacedBody();
		const origin = heldOrigin([
			{ answer: () => body.response({ vary: "accept-language" }) },
			{ answer: () => fresh("deutsch") },
			{ answer: () => fresh("fresher") },
		]);
		const { get, lock } = edgeWith({ fetchOrigin: origin.fetchOrigin });
		const writer = get("/big", { "accept-language": "en" });
		await origin.arrived(1);
		let otherDone = false;
		const other = get("/big", { "accept-language": "de" }).then((r) => {
			otherDone = true;
			return r;
		});
		let pickyDone = false;
		const picky = get("/big", { "accept-language": "en", "cache-control": "min-fresh=600" }).then(
			(r) => {
				pickyDone = true;
				return r;
			},
		);
		const follower = await get("/big", { "accept-language": "en" });
		expect(follower.headers.get("cache-status")).toContain("collapsed");
		await until("two waiters", () => lock.stats().waiting === 2);
		body.send(PIECES[0] as Uint8Array);
		await settle();
		expect({ otherDone, pickyDone }).toEqual({ otherDone: false, pickyDone: false });
		for (const piece of PIECES.slice(1)) body.send(piece);
		body.end();
		expect(new Set([await (await other).text(), await (await picky).text()])).toEqual(
			new Set(["deutsch", "fresher"]),
		);
		expect(Buffer.from(await follower.arrayBuffer()).equals(BODY)).toBe(true);
		await (await writer).arrayBuffer();
		expect(lock.stats().followed).toBe(1);
	});

	test.each([
		["hard", { url: "http://cdn.test/big" }],
		["soft", { url: "http://cdn.test/big", soft: true }],
	])(
		"after a %s purge of the URL, a new request does not follow the fill begun before it",
		async (_, selector) => {
			const body = pacedBody();
			const origin = heldOrigin([
				{ answer: () => body.response() },
				{ answer: () => fresh("new") },
			]);
			const { app, get, lock } = edgeWith({ fetchOrigin: origin.fetchOrigin });
			const writer = get("/big");
			await origin.arrived(1);
			const before = await get("/big");
			expect(before.headers.get("cache-status")).toContain("collapsed");
			// The first chunk is through the fill (its follower has it) before the purge.
			const beforeReader = (before.body as ReadableStream<Uint8Array>).getReader();
			body.send(PIECES[0] as Uint8Array);
			const beforeFirst = await readAtLeast(beforeReader, CHUNK);
			const purged = await purgeThrough(app, selector);
			expect(purged.status).toBe(200);
			const after = get("/big");
			await settle();
			expect(lock.stats()).toMatchObject({ followed: 1, waiting: 1 });
			for (const piece of PIECES.slice(1)) body.send(piece);
			body.end();
			// Asked before the purge, answered with what the fill had then: as a response in flight.
			expect((await readRest(beforeReader, beforeFirst)).equals(BODY)).toBe(true);
			expect(await (await after).text()).toBe("new");
			expect(origin.seen).toHaveLength(2);
			await (await writer).arrayBuffer();
		},
	);

	/** The feed a fill shares, seen through the lock by a request that declines to follow. */
	function sharedFeed(lock: ReturnType<typeof edgeWith>["lock"]) {
		let shared: FillFeed | undefined;
		const looking = lock.acquire("GET http://cdn.test/big", {
			acceptsFeed: (feed) => {
				if (feed instanceof FillFeed) shared = feed;
				return false;
			},
		});
		if (looking.role !== "waiter") throw new Error(`looked as a ${looking.role}`);
		// The turn is over when this waiter's wait ends; a turn handed to it ends at once.
		const turnOver = looking.outcome.then((outcome) => {
			if (typeof outcome === "object" && outcome.role === "writer") outcome.release("not-stored");
		});
		return { feed: () => shared, turnOver };
	}

	test("while the large store's writer holds the body, the feed keeps no copy: a slow follower reads the writer's, then the stored one", async () => {
		const body = pacedBody();
		const origin = heldOrigin([{ answer: () => body.response() }]);
		const { get, lock } = edgeWith({ fetchOrigin: origin.fetchOrigin });
		const writer = await get("/big");
		const follower = await get("/big");
		expect(follower.headers.get("cache-status")).toContain("collapsed");
		const { feed: shared, turnOver } = sharedFeed(lock);
		for (const piece of PIECES) body.send(piece);
		body.end();
		expect(Buffer.from(await writer.arrayBuffer()).equals(BODY)).toBe(true);
		await turnOver;
		// The follower has read nothing yet, and the feed holds no chunk for it.
		expect(shared()?.received).toBe(LENGTH);
		expect(shared()?.heldChunks).toBe(0);
		expect(Buffer.from(await follower.arrayBuffer()).equals(BODY)).toBe(true);
	});

	test("once the tier stops holding the body (a purge mid-fill), the feed keeps the rest, and after the turn lets each chunk go once read", async () => {
		const body = pacedBody();
		const origin = heldOrigin([{ answer: () => body.response() }]);
		const { app, get, lock } = edgeWith({ fetchOrigin: origin.fetchOrigin });
		const writer = await get("/big");
		const follower = await get("/big");
		const { feed: shared, turnOver } = sharedFeed(lock);
		for (const piece of PIECES.slice(0, 2)) body.send(piece);
		await until("two chunks through the fill", () => shared()?.received === 2 * CHUNK);
		expect(shared()?.heldChunks).toBe(0);
		expect((await purgeThrough(app, { url: "http://cdn.test/big" })).status).toBe(200);
		for (const piece of PIECES.slice(2)) body.send(piece);
		body.end();
		expect(Buffer.from(await writer.arrayBuffer()).equals(BODY)).toBe(true);
		await turnOver;
		// The writer dropped the body at the purge: the three chunks after it are the feed's.
		expect(shared()?.heldChunks).toBe(3);
		// The first two come from the buffer the writer had, the rest from the feed.
		expect(Buffer.from(await follower.arrayBuffer()).equals(BODY)).toBe(true);
		expect(shared()?.heldChunks).toBe(0);
	});

	test("a writer whose body keeps arriving keeps its lock past the writer timeout", async () => {
		const body = pacedBody();
		// Chunked, so not followed: the Range waiter waits on the writer's lock.
		const origin = heldOrigin([
			{ answer: () => body.response({}, false) },
			{ answer: () => fresh("second") },
		]);
		const { get, lock, timers } = makeEdge({
			fetchOrigin: origin.fetchOrigin,
			largeBytes: 64 << 20,
			// Under the edge's 5 s origin timeout, which a chunk must also beat.
			lockTimeouts: { writerTimeoutMs: 4_500, readerWaitMs: 60_000 },
		});
		const writer = await get("/big");
		const ranged = get("/big", { range: "bytes=0-3" });
		await until("a waiter", () => lock.stats().waiting === 1);
		for (const piece of PIECES) {
			timers.advance(4_000); // 20 s in all: four writer timeouts, each with progress in it
			body.send(piece);
			await settle();
		}
		expect(lock.stats()).toMatchObject({ writerTimeouts: 0, handoffs: 0, waiting: 1 });
		body.end();
		const range = await ranged;
		expect(range.status).toBe(206);
		expect(origin.seen).toHaveLength(1);
		expect(Buffer.from(await range.arrayBuffer()).equals(BODY.subarray(0, 4))).toBe(true);
		await writer.arrayBuffer();
	});

	test("a writer whose body stalls still expires, and its waiter takes over", async () => {
		const body = pacedBody();
		const second = { "cache-control": "max-age=60", "content-length": "6" };
		const origin = heldOrigin([
			{ answer: () => body.response({}, false) },
			{ answer: () => new Response("second", { headers: second }) },
		]);
		const { get, lock, timers } = makeEdge({
			fetchOrigin: origin.fetchOrigin,
			largeBytes: 64 << 20,
			lockTimeouts: { writerTimeoutMs: 3_000, readerWaitMs: 60_000 },
		});
		const writer = await get("/big");
		const ranged = get("/big", { range: "bytes=0-3" });
		await until("a waiter", () => lock.stats().waiting === 1);
		timers.advance(2_000);
		body.send(PIECES[0] as Uint8Array);
		await settle();
		timers.advance(3_001); // 3 s without progress; the origin's own 5 s chunk timeout not yet
		expect(lock.stats()).toMatchObject({ writerTimeouts: 1, handoffs: 1 });
		await origin.arrived(2);
		const range = await ranged;
		expect(range.status).toBe(206);
		expect(await range.text()).toBe("seco");
		body.fail();
		expect(await writer.text().catch(() => "broken")).toBe("broken");
	});

	test("a small body is not followed: a waiter on one that breaks is served by the next writer", async () => {
		const gate = deferred();
		const small = "x".repeat(1000);
		const origin = heldOrigin([
			{
				gate: gate.promise,
				answer: () =>
					new Response(
						new ReadableStream({
							start(c) {
								c.enqueue(new TextEncoder().encode(small.slice(0, 10)));
								c.error(new Error("reset"));
							},
						}),
						{ headers: { "cache-control": "max-age=60", "content-length": String(small.length) } },
					),
			},
			{ answer: () => fresh(small) },
		]);
		const { get, lock } = edgeWith({ fetchOrigin: origin.fetchOrigin });
		const pending = Array.from({ length: 5 }, () => get("/small"));
		await origin.arrived(1);
		await until("4 waiters", () => lock.stats().waiting === 4);
		gate.resolve();
		const all = await outcomes(pending);
		expect(all.filter((o) => o.body === small)).toHaveLength(4);
		expect(lock.stats().followed).toBe(0);
	});
});
