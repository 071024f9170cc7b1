/**
 * An edge wired for in-process tests: the demo origin (or a given fetch) behind it, a
 * ManualTimers clock, a TS slab, and `get` to send requests for cdn.test.
 */
import { createEdge } from "../../edge/app.ts";
import type { HostRoute } from "../../edge/config/hosts.ts";
import { createDemoOrigin } from "../../edge/demo-origin.ts";
import { CacheLock, type CacheLockOptions } from "../../edge/lock/cache-lock.ts";
import { ManualTimers } from "../../edge/lock/timers.ts";
import { Registry } from "../../edge/metrics/registry.ts";
import type { LogLine, OriginFetch } from "../../edge/proxy/origin-fetch.ts";
import { LargeObjectStore } from "../../edge/store/large-objects.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { PurgeHistory } from "../../edge/store/purge-history.ts";
import { SizeRoutedStorage } from "../../edge/store/size-routed.ts";
import type { Storage, TierStats } from "../../edge/store/storage.ts";
import { TsSlab } from "../../native/slab-ts.ts";

export interface EdgeHarnessOptions {
	readonly fetchOrigin?: OriginFetch;
	/** The route for cdn.test; default: the demo origin with default cache keys. */
	readonly route?: HostRoute;
	/**
	 * false hides the tier's lookupSync, as a tier that must wait (disk, peer) would, so
	 * the proxy takes its asynchronous path for every lookup.
	 */
	readonly syncLookup?: boolean;
	/**
	 * true sends requests as node.ts does: `Edge.direct` first (the proxy without the
	 * router), `app.fetch` for what it leaves; otherwise every request goes through the app.
	 */
	readonly direct?: boolean;
	/** EdgeConfig.staleIfUnreachableSeconds; default: the edge's default. */
	readonly staleIfUnreachableSeconds?: number;
	/** The tier's byte gate per object; default: the tier's. */
	readonly maxObjectBytes?: number;
	/**
	 * Bytes of a large objects' store beside the tier (edge/store/size-routed.ts), for
	 * objects above the tier's gate; default none (they stream through uncached).
	 */
	readonly largeBytes?: number;
	/** The coalescing lock's timeouts; default: writer 10 s, reader wait 5 s, uncacheable 30 s. */
	readonly lockTimeouts?: Partial<LockTimeouts>;
	/** EdgeConfig.hopName (its CDN-Loop member); default: a random one. */
	readonly hopName?: string;
	/** Where the edge's WARN lines go; default stderr. */
	readonly log?: LogLine;
}

type LockTimeouts = Pick<CacheLockOptions, "writerTimeoutMs" | "readerWaitMs" | "uncacheableTtlMs">;

/** The tier's Storage methods without lookupSync. */
function asyncOnly(tier: Storage & { stats(): TierStats }): Storage & { stats(): TierStats } {
	return {
		name: tier.name,
		lookup: (key) => tier.lookup(key),
		beginWrite: (key, meta, sizeHint) => tier.beginWrite(key, meta, sizeHint),
		purge: (selector) => tier.purge(selector),
		softPurge: (selector, invalidate) => tier.softPurge(selector, invalidate),
		keys: (selector) => tier.keys(selector),
		updateMeta: (key, meta) => tier.updateMeta(key, meta),
		stats: () => tier.stats(),
	};
}

/** Where the harness clock starts (epoch ms). */
export const CLOCK_START_MS = Date.UTC(2026, 10, 22);

export function makeEdge(options: EdgeHarnessOptions = {}) {
	const origin = createDemoOrigin();
	const timers = new ManualTimers(CLOCK_START_MS);
	const purgeHistory = new PurgeHistory();
	const tier = new MemoryTier({
		slab: new TsSlab({ capacityBytes: 8 << 20 }),
		clock: timers,
		purgeHistory,
		...(options.maxObjectBytes === undefined ? {} : { maxObjectBytes: options.maxObjectBytes }),
	});
	const large =
		options.largeBytes === undefined
			? undefined
			: new LargeObjectStore({ capacityBytes: options.largeBytes, clock: timers, purgeHistory });
	const storage = large === undefined ? tier : new SizeRoutedStorage(tier, large);
	const lock = new CacheLock({
		timers,
		writerTimeoutMs: 10_000,
		readerWaitMs: 5_000,
		uncacheableTtlMs: 30_000,
		...options.lockTimeouts,
	});
	const edge = createEdge({
		tier: options.syncLookup === false ? asyncOnly(storage) : storage,
		routes: { hosts: { "cdn.test": options.route ?? { origin: "http://origin.test" } } },
		lock,
		timers,
		metrics: new Registry(),
		config: {
			pop: "test",
			originTimeoutMs: 5_000,
			adminToken: "secret",
			...(options.staleIfUnreachableSeconds === undefined
				? {}
				: { staleIfUnreachableSeconds: options.staleIfUnreachableSeconds }),
			...(options.hopName === undefined ? {} : { hopName: options.hopName }),
		},
		...(options.log === undefined ? {} : { log: options.log }),
		fetchOrigin: options.fetchOrigin ?? (async (request) => origin.app.request(request)),
	});
	const { app } = edge;
	const get = async (path: string, headers: Record<string, string> = {}, method = "GET") => {
		const request = new Request(`http://cdn.test${path}`, {
			method,
			headers: { host: "cdn.test", ...headers },
		});
		return (options.direct ? edge.direct(request) : undefined) ?? app.fetch(request);
	};
	return { app, direct: edge.direct, edge, origin, tier, large, storage, lock, timers, get };
}

/** A purge through the edge's own route, with the harness's admin token. */
export function purgeThrough(
	app: { request(url: string, init: RequestInit): Response | Promise<Response> },
	body: unknown,
	token = "secret",
): Promise<Response> {
	return Promise.resolve(
		app.request("http://cdn.test/_neuro/purge", {
			method: "POST",
			headers: {
				host: "cdn.test",
				authorization: `Bearer ${token}`,
				"content-type": "application/json",
			},
			body: JSON.stringify(body),
		}),
	);
}

/**
 * Lets a store's background commit (a few dozen microtasks) finish. The count has room to
 * spare: each chunk passes the origin body's guard (proxy/origin-body.ts) and the fill's
 * tee before the tier commits, and 25 was the least that passed when the guard came in.
 */
export async function settle(): Promise<void> {
	for (let i = 0; i < 50; i++) await Promise.resolve();
}
