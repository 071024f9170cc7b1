import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createEdgeApp } from "../../edge/app.ts";
import { CacheLock } from "../../edge/lock/cache-lock.ts";
import { systemTimers } from "../../edge/lock/timers.ts";
import { Registry } from "../../edge/metrics/registry.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import type {
	CachedObject,
	CommitResult,
	ObjectWriter,
	Storage,
} from "../../edge/store/storage.ts";
import { TsSlab } from "../../native/slab-ts.ts";

// A purge, or an unsafe request's invalidation (RFC 9111 §4.4), that arrives while a fill is
// streaming in, over real HTTP: the origin is a Bun server whose body waits on a gate the test
// opens, the edge another one in front of it (the network fetch between them). The client
// being served gets the whole old body; the cache must not keep it as a fresh object.

/** An origin answer whose second half waits for `open()`. */
function gated(first: string, rest: string) {
	const gate = Promise.withResolvers<void>();
	const body = new ReadableStream<Uint8Array>({
		async start(controller) {
			controller.enqueue(new TextEncoder().encode(first));
			await gate.promise;
			controller.enqueue(new TextEncoder().encode(rest));
			controller.close();
		},
	});
	return { body, open: () => gate.resolve() };
}

/** What the origin answers next per path: a gated body, then plain ones. */
const plans = new Map<string, () => Response>();
const originPosts: string[] = [];
let origin: ReturnType<typeof Bun.serve>;
let edge: ReturnType<typeof Bun.serve>;
let base = "";

const memory = new MemoryTier({ slab: new TsSlab({ capacityBytes: 4 << 20 }) });
/** Settles with each write's outcome, in the order writes begin. */
let fillOutcomes: ((result: CommitResult) => void)[] = [];

/** The tier as the edge sees it, telling the test how each fill ended (stored, or why not). */
const tier: Storage & { lookupSync(key: string): CachedObject | undefined } = {
	name: memory.name,
	lookup: (key) => memory.lookup(key),
	lookupSync: (key) => memory.lookupSync(key),
	beginWrite: (key, meta, sizeHint) => {
		const inner = memory.beginWrite(key, meta, sizeHint);
		const tell = fillOutcomes.shift() ?? (() => {});
		const watched: ObjectWriter = {
			get refused() {
				return inner.refused;
			},
			get overtaken() {
				return inner.overtaken;
			},
			write(chunk) {
				inner.write(chunk);
				if (inner.refused !== undefined) tell({ stored: false, reason: inner.refused });
			},
			commit() {
				const result = inner.commit();
				tell(result);
				return result;
			},
			abort() {
				inner.abort();
				tell({ stored: false, reason: "aborted" });
			},
		};
		return watched;
	},
	purge: (selector) => memory.purge(selector),
	softPurge: (selector, invalidate) => memory.softPurge(selector, invalidate),
	keys: (selector) => memory.keys(selector),
	updateMeta: (key, meta) => memory.updateMeta(key, meta),
	stats: () => memory.stats(),
};

/** How the next write the edge begins ends. */
function nextFill(): Promise<CommitResult> {
	const { promise, resolve } = Promise.withResolvers<CommitResult>();
	fillOutcomes.push(resolve);
	return promise;
}

beforeAll(() => {
	origin = Bun.serve({
		hostname: "127.0.0.1",
		port: 0,
		fetch: (request) => {
			const path = new URL(request.url).pathname;
			if (request.method === "POST") {
				originPosts.push(path);
				return new Response("changed\n");
			}
			const plan = plans.get(path);
			return plan === undefined ? new Response("no plan\n", { status: 404 }) : plan();
		},
	});
	const app = createEdgeApp({
		tier,
		routes: { hosts: {}, default: `http://127.0.0.1:${origin.port}` },
		lock: new CacheLock({
			timers: systemTimers,
			writerTimeoutMs: 10_000,
			readerWaitMs: 10_000,
			uncacheableTtlMs: 1_000,
		}),
		timers: systemTimers,
		metrics: new Registry(),
		config: { pop: "test", originTimeoutMs: 10_000, adminToken: "secret" },
	});
	edge = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
	base = `http://127.0.0.1:${edge.port}`;
});
afterAll(() => {
	edge.stop(true);
	origin.stop(true);
	fillOutcomes = [];
});

const CACHEABLE = { "cache-control": "max-age=600", "content-type": "text/plain" };

/** The first request's answer is `old` in two halves, the gate between; later ones `new`. */
function planOldThenNew(path: string) {
	const old = gated("old-1/", "old-2");
	let served = 0;
	plans.set(path, () =>
		served++ === 0
			? new Response(old.body, { headers: CACHEABLE })
			: new Response("new", { headers: CACHEABLE }),
	);
	return old;
}

/** Starts a GET that fills the cache and reads its first half: the fill is open. */
async function startFill(path: string) {
	const filled = nextFill();
	const response = await fetch(`${base}${path}`);
	expect(response.status).toBe(200);
	const reader = (response.body as ReadableStream<Uint8Array>).getReader();
	const first = await reader.read();
	expect(new TextDecoder().decode(first.value)).toBe("old-1/");
	const rest = async () => {
		let text = "";
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return text;
			text += new TextDecoder().decode(value);
		}
	};
	return { filled, rest };
}

const onlyIfCached = (path: string) =>
	fetch(`${base}${path}`, { headers: { "cache-control": "only-if-cached" } });

const purge = (body: unknown) =>
	fetch(`${base}/_neuro/purge`, {
		method: "POST",
		headers: { authorization: "Bearer secret", "content-type": "application/json" },
		body: JSON.stringify(body),
	});

/** After the purged fill: a new request fills again, and that copy is kept. */
async function refillsAfterwards(path: string) {
	const refilled = nextFill();
	const again = await fetch(`${base}${path}`);
	expect(await again.text()).toBe("new");
	expect(await refilled).toEqual({ stored: true });
	const hit = await onlyIfCached(path);
	expect(hit.status).toBe(200);
	expect(await hit.text()).toBe("new");
}

describe("a purge that arrives while a fill streams in, over HTTP", () => {
	test("purge by URL: the client gets the old body, the cache keeps none of it", async () => {
		const old = planOldThenNew("/by-url");
		const fill = await startFill("/by-url");
		const purged = await purge({ url: `${base}/by-url` });
		// Nothing was stored yet to drop; the open fill is reached all the same.
		expect(await purged.json()).toEqual({ purged: 0, soft: false });
		old.open();
		expect(await fill.rest()).toBe("old-2");
		expect(await fill.filled).toEqual({ stored: false, reason: "purged-during-fill" });
		const after = await onlyIfCached("/by-url");
		expect(after.status).toBe(504);
		expect(await after.text()).toBe("only-if-cached: nothing stored\n");
		await refillsAfterwards("/by-url");
	});

	test("a POST to the URL (RFC 9111 §4.4): its invalidation reaches the open fill", async () => {
		const old = planOldThenNew("/by-post");
		const fill = await startFill("/by-post");
		const posted = await fetch(`${base}/by-post`, { method: "POST", body: "edit" });
		expect(posted.status).toBe(200);
		expect(await posted.text()).toBe("changed\n");
		expect(originPosts).toContain("/by-post");
		old.open();
		expect(await fill.rest()).toBe("old-2");
		expect(await fill.filled).toEqual({ stored: false, reason: "purged-during-fill" });
		expect((await onlyIfCached("/by-post")).status).toBe(504);
		await refillsAfterwards("/by-post");
	});

	test("a soft purge by URL: the fill is stored, but stale", async () => {
		const old = planOldThenNew("/soft");
		const fill = await startFill("/soft");
		expect(await (await purge({ url: `${base}/soft`, soft: true })).json()).toEqual({
			purged: 0,
			soft: true,
		});
		old.open();
		expect(await fill.rest()).toBe("old-2");
		expect(await fill.filled).toEqual({ stored: true });
		const after = await onlyIfCached("/soft");
		expect(after.status).toBe(504);
		expect(await after.text()).toBe("only-if-cached: stored response is stale\n");
	});
});
