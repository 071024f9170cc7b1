/**
 * The edge as node.ts wires it, and how its routing follows the POP's replicated config.
 * The routes live in a holder (edge/config/routes-holder.ts) made at start from the flags,
 * env or baked config; the edge app and the purger read it, and `followRouting` swaps it
 * as pop-routing.ts decides. Tests build the same edge (test/node/pop-routing-edge.test.ts).
 */
import { type ClientAddress, createEdge, type Edge } from "../../edge/app.ts";
import type { RoutesHolder } from "../../edge/config/routes-holder.ts";
import { CacheLock, POP_LOCK_TIMEOUTS } from "../../edge/lock/cache-lock.ts";
import { systemTimers, type Timers } from "../../edge/lock/timers.ts";
import { Registry } from "../../edge/metrics/registry.ts";
import type { OriginFetch } from "../../edge/proxy/origin-fetch.ts";
import type { Storage, TierStats } from "../../edge/store/storage.ts";
import type { PopConfigWatcher } from "../pop-config/machine.ts";
import { decideRouting, type StartupRouting } from "./pop-routing.ts";

export interface NodeEdgeOptions {
	readonly tier: Storage & { stats(): TierStats };
	readonly routes: RoutesHolder;
	readonly pop: string;
	readonly originTimeoutMs: number;
	/** Request coalescing's writer timeout and reader wait; POP_LOCK_TIMEOUTS by default. */
	readonly lockTimeouts?: { readonly writerTimeoutMs: number; readonly readerWaitMs: number };
	readonly adminToken?: string | undefined;
	/** EdgeConfig.staleIfUnreachableSeconds. */
	readonly staleIfUnreachableSeconds?: number;
	readonly timers?: Timers;
	readonly fetchOrigin?: OriginFetch;
	/** EdgeDeps.clientAddress: node.ts asks its Bun server (requestIP). */
	readonly clientAddress?: ClientAddress;
}

/** The edge proxy on the node's tier, routing by whatever the holder holds per request. */
export function createNodeEdge(options: NodeEdgeOptions): Edge {
	const timers = options.timers ?? systemTimers;
	return createEdge({
		tier: options.tier,
		routes: options.routes,
		lock: new CacheLock({ timers, ...POP_LOCK_TIMEOUTS, ...options.lockTimeouts }),
		timers,
		metrics: new Registry(),
		config: {
			pop: options.pop,
			originTimeoutMs: options.originTimeoutMs,
			...(options.staleIfUnreachableSeconds === undefined
				? {}
				: { staleIfUnreachableSeconds: options.staleIfUnreachableSeconds }),
			...(options.adminToken ? { adminToken: options.adminToken } : {}),
		},
		...(options.fetchOrigin ? { fetchOrigin: options.fetchOrigin } : {}),
		...(options.clientAddress ? { clientAddress: options.clientAddress } : {}),
	});
}

/**
 * What the control plane calls with the POP's replicated document: decides (pop-routing.ts),
 * swaps the holder's routes when the decision says so, and logs the decision's lines.
 * `startup` is read at each change (the bound port is known only once the edge listens).
 */
export function followRouting(
	routes: RoutesHolder,
	startup: () => StartupRouting,
	log: (line: string) => void,
): PopConfigWatcher {
	return (config, index) => {
		const decision = decideRouting(startup(), { config, index });
		if (decision.apply !== undefined) routes.swap(decision.apply);
		for (const line of decision.lines) log(line);
	};
}
