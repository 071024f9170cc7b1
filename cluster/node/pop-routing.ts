/**
 * What a node does with its own POP's replicated config (cluster/pop-config/): which routing
 * its edge applies, and what it logs. Pure: the start-up facts and one change in, a decision
 * out; node.ts swaps the edge's routes holder (edge/config/routes-holder.ts) and logs.
 *
 * Precedence, for routing (`origin` or `routes`):
 * - Routing given explicitly at start (`--origin`, `--hosts FILE`, `--demo`, NEURO_ORIGIN)
 *   pins it: a replicated change is logged at INFO as not applied, naming the flag.
 * - Otherwise the replicated document wins over the baked POP config and the demo default.
 *   A document with neither `origin` nor `routes` says nothing about routing, and deleting
 *   the document returns to the routing the node started with.
 * - A document whose routing the edge cannot use is logged at WARN; the routing stays.
 * `listen` and `tiers` are fixed for the life of the process (flags, env, baked config at
 * start): a document that differs from what the process runs is logged at INFO, naming
 * those fields, as not applied.
 */
import * as v from "valibot";
import { type HostsConfig, OriginUrl, validateHostsConfig } from "../../edge/config/hosts.ts";
import { formatHostPort } from "../../edge/http/host-port.ts";
import { originForLog } from "../../edge/http/userinfo.ts";
import { DEFAULTS, type RoutingPin } from "./flags.ts";
import type { PopConfig } from "./pop-config.ts";

/** What the node started with: its routes, what pinned them, and what it listens with. */
export interface StartupRouting {
	readonly pop: string;
	/** The routes the edge started with (flags, env, baked config, or the demo origin). */
	readonly routes: HostsConfig;
	/** The flag that chose the routes; undefined when a replicated config may replace them. */
	readonly pinnedBy: RoutingPin | undefined;
	/** Where this process listens (the bound port once known) and its L0 size. */
	readonly listen: { readonly host: string; readonly port: number };
	readonly memoryMb: number;
	readonly largeMb: number;
}

/** One change of the POP's replicated document, as the machine's watcher hears it. */
export interface ReplicatedChange {
	/** The new document; null: deleted. */
	readonly config: PopConfig | null;
	readonly index: number;
}

export interface RoutingDecision {
	/** The routes new requests go by from now on; undefined: leave the routing as it is. */
	readonly apply: HostsConfig | undefined;
	/** What to log, each line with its level first. */
	readonly lines: readonly string[];
}

export function decideRouting(startup: StartupRouting, change: ReplicatedChange): RoutingDecision {
	const { config, index } = change;
	const what =
		config === null
			? `POP ${startup.pop}'s replicated config was deleted (index ${index})`
			: `POP ${startup.pop}'s replicated config changed (index ${index})`;
	const lines: string[] = [];
	let apply: HostsConfig | undefined;
	if (startup.pinnedBy !== undefined) {
		lines.push(
			`INFO ${what}: routing not applied: ${startup.pinnedBy} given at start pins it (${describeRoutes(startup.routes)})`,
		);
	} else if (config === null) {
		apply = startup.routes;
		lines.push(
			`INFO ${what}: routing back to what this node started with (${describeRoutes(apply)})`,
		);
	} else {
		const routes = routesOf(config);
		if (routes.kind === "none") {
			apply = startup.routes;
			lines.push(
				`INFO ${what}: it names no origin or routes: routing as this node started (${describeRoutes(apply)})`,
			);
		} else if (routes.kind === "bad") {
			lines.push(
				`WARN ${what}: its routing cannot be used (${routes.message}); the routing stays as it was`,
			);
		} else {
			apply = routes.routes;
			lines.push(`INFO ${what}: routing applied (${describeRoutes(apply)})`);
		}
	}
	if (config !== null) {
		const fixed = fixedFieldsDiffering(startup, config);
		if (fixed.length > 0)
			lines.push(
				`INFO POP ${startup.pop}'s replicated config (index ${index}): ${fixed.join(", ")} not applied: listen and tiers are fixed for the life of the process (flags, env or the baked config at start)`,
			);
	}
	return { apply, lines };
}

type DocumentRoutes =
	| { readonly kind: "routes"; readonly routes: HostsConfig }
	| { readonly kind: "none" }
	| { readonly kind: "bad"; readonly message: string };

/**
 * The routes a document names, checked again as the edge needs them (the machine checked
 * the document against the POP config schema; a log written by another version may differ).
 */
export function routesOf(config: PopConfig): DocumentRoutes {
	try {
		if (config.origin !== undefined && config.routes !== undefined)
			return { kind: "bad", message: "origin and routes exclude each other" };
		if (config.origin !== undefined) {
			const origin = v.safeParse(OriginUrl, config.origin);
			if (!origin.success) return { kind: "bad", message: `origin: ${origin.issues[0].message}` };
			return { kind: "routes", routes: { hosts: {}, default: origin.output } };
		}
		if (config.routes !== undefined)
			return { kind: "routes", routes: validateHostsConfig(config.routes, "routes") };
		return { kind: "none" };
	} catch (error) {
		return { kind: "bad", message: (error as Error).message };
	}
}

/** A routing in a few words: one origin for every host, or how many hosts and the default. */
export function describeRoutes(routes: HostsConfig): string {
	const hosts = Object.keys(routes.hosts);
	const origin = routes.default === undefined ? undefined : originForLog(routes.default);
	if (hosts.length === 0) return origin === undefined ? "no origin" : `every host -> ${origin}`;
	const named = hosts.length <= 3 ? hosts.join(", ") : `${hosts.slice(0, 3).join(", ")}, ...`;
	return `${hosts.length} host(s): ${named}; ${origin === undefined ? "no default" : `default -> ${origin}`}`;
}

function fixedFieldsDiffering(startup: StartupRouting, config: PopConfig): string[] {
	const fields: string[] = [];
	const { host, port } = config.listen;
	if (host !== startup.listen.host || port !== startup.listen.port)
		fields.push(
			`listen ${formatHostPort(host, port)} (this process: ${formatHostPort(startup.listen.host, startup.listen.port)})`,
		);
	if (config.tiers.memoryMb !== startup.memoryMb)
		fields.push(`tiers.memoryMb ${config.tiers.memoryMb} (this process: ${startup.memoryMb})`);
	// A document without largeMb means the default budget, as it would at a start.
	const largeMb = config.tiers.largeMb ?? DEFAULTS.largeMb;
	if (largeMb !== startup.largeMb)
		fields.push(`tiers.largeMb ${largeMb} (this process: ${startup.largeMb})`);
	return fields;
}
