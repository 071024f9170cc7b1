/**
 * The edge over real HTTP: served by Bun.serve on a loopback port, calling a real origin
 * with the network fetch, as node.ts runs it. The timers are the test's (ManualTimers, to
 * move time by hand; systemTimers, for a small real timeout), the log lines are kept, and
 * a test can wait for the edge to see a client leave.
 */
import { afterEach } from "bun:test";
import { createEdge } from "../../edge/app.ts";
import { CacheLock } from "../../edge/lock/cache-lock.ts";
import { ManualTimers, type Timers } from "../../edge/lock/timers.ts";
import { Registry } from "../../edge/metrics/registry.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { type RawExchange, type RawOrigin, startRawOrigin } from "./raw-origin.ts";

export interface ServedEdgeOptions {
	readonly origin: string;
	readonly timers: Timers;
	readonly originTimeoutMs: number;
}

export interface ServedEdge {
	readonly url: string;
	/** Every line the edge logged. */
	readonly lines: string[];
	/** Resolves when the edge's request for `path` sees its client go (request.signal). */
	clientGone(path: string): Promise<void>;
	stop(): void;
}

/**
 * The edge every served test runs: a small TS-slab tier, the default route to `origin`, and
 * a lock whose timeouts are far beyond the origin timeouts the tests use (it never decides
 * an outcome).
 */
export function edgeBefore(
	origin: string,
	timers: Timers,
	originTimeoutMs: number,
	log?: (line: string) => void,
) {
	return createEdge({
		tier: new MemoryTier({ slab: new TsSlab({ capacityBytes: 4 << 20 }), clock: timers }),
		routes: { hosts: {}, default: origin },
		lock: new CacheLock({
			timers,
			writerTimeoutMs: 600_000,
			readerWaitMs: 600_000,
			uncacheableTtlMs: 30_000,
		}),
		timers,
		metrics: new Registry(),
		config: { pop: "test", originTimeoutMs },
		...(log === undefined ? {} : { log }),
	});
}

export function serveEdge(options: ServedEdgeOptions): ServedEdge {
	const lines: string[] = [];
	const { timers } = options;
	const edge = edgeBefore(options.origin, timers, options.originTimeoutMs, (line) =>
		lines.push(line),
	);
	const gone = new Map<string, Promise<void>>();
	const server = Bun.serve({
		hostname: "127.0.0.1",
		port: 0,
		development: false,
		fetch: (request) => {
			const path = new URL(request.url).pathname;
			gone.set(
				path,
				new Promise((resolve) => request.signal.addEventListener("abort", () => resolve())),
			);
			return edge.app.fetch(request);
		},
	});
	return {
		url: `http://127.0.0.1:${server.port}`,
		lines,
		clientGone: (path) => {
			const seen = gone.get(path);
			if (seen === undefined) throw new Error(`the edge saw no request for ${path}`);
			return seen;
		},
		stop: () => void server.stop(true),
	};
}

export interface RawOriginEdge {
	readonly origin: RawOrigin;
	readonly edge: ServedEdge;
	readonly timers: ManualTimers;
}

/**
 * An edge in front of a raw TCP origin (raw-origin.ts), one pair per test: call at a test
 * file's top level. `start` serves `handlers` with the edge's clock at `startMs`; `serve`
 * puts an edge in front of an origin URL the test made itself (one that refuses, say).
 * Whatever ran is stopped after each test.
 */
export function rawOriginEdges(defaults: {
	readonly startMs: number;
	readonly originTimeoutMs: number;
}) {
	let running: { readonly origin: RawOrigin | undefined; readonly edge: ServedEdge } | undefined;
	afterEach(() => {
		running?.edge.stop();
		running?.origin?.stop();
		running = undefined;
	});
	const serve = (originUrl: string, originTimeoutMs = defaults.originTimeoutMs) => {
		const timers = new ManualTimers(defaults.startMs);
		const edge = serveEdge({ origin: originUrl, timers, originTimeoutMs });
		running = { origin: undefined, edge };
		return { edge, timers };
	};
	return {
		serve,
		start(
			handlers: Record<string, (exchange: RawExchange) => void>,
			originTimeoutMs = defaults.originTimeoutMs,
		): RawOriginEdge {
			const origin = startRawOrigin(handlers);
			const { edge, timers } = serve(origin.url, originTimeoutMs);
			running = { origin, edge };
			return { origin, edge, timers };
		},
		/** The pair the running test started. */
		current(): { readonly origin: RawOrigin | undefined; readonly edge: ServedEdge } {
			if (running === undefined) throw new Error("no edge started in this test");
			return running;
		},
	};
}
