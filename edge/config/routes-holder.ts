/**
 * The edge's current routes, swappable while it serves. The proxy's request targets and the
 * purger read `current` when they need routes (once per request: a request resolves its
 * target when it arrives and keeps it, so a request in flight finishes on the routes it
 * started with); the node swaps in new routes when the replicated POP config changes
 * (cluster/node/pop-routing.ts). Pure: no timers, no I/O; the routes are taken as given
 * (validated before they get here) and never copied.
 */
import type { HostsConfig } from "./hosts.ts";

export class RoutesHolder {
	#current: HostsConfig;
	#generation = 0;

	constructor(initial: HostsConfig) {
		this.#current = initial;
	}

	/** The routes new requests go by. */
	get current(): HostsConfig {
		return this.#current;
	}

	/** How many times the routes were swapped: 0 for the routes the holder was made with. */
	get generation(): number {
		return this.#generation;
	}

	/** New requests go by `next` from now on; returns the routes it replaced. */
	swap(next: HostsConfig): HostsConfig {
		const previous = this.#current;
		this.#current = next;
		this.#generation++;
		return previous;
	}
}

/** Routes fixed for the app's life (a plain config) or swappable (a holder): a holder either way. */
export function routesHolder(routes: HostsConfig | RoutesHolder): RoutesHolder {
	return routes instanceof RoutesHolder ? routes : new RoutesHolder(routes);
}
