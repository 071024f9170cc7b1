/**
 * One seed's story for the gossip simulator: cluster size, network faults, who crashes,
 * leaves or changes metadata and when, and whether a partition cuts the cluster and heals.
 * Everything is drawn from the seed, so a failing seed replays exactly.
 */
import type { NetworkFaults } from "../../sim/network.ts";
import { Prng } from "../../sim/prng.ts";
import { type SwimConfig, swimConfig } from "../config.ts";
import { shuffle } from "../probe-order.ts";
import type { NodeId } from "../types.ts";

export interface GossipScenario {
	readonly seed: number;
	readonly nodes: number;
	readonly faults: NetworkFaults;
	readonly config: SwimConfig;
	/** Members join through node 1 (the seed address) at these times. */
	readonly joinAt: ReadonlyMap<NodeId, number>;
	/** When the cluster is taken as formed: false positives count from here. */
	readonly settledAt: number;
	readonly crashes: readonly { readonly id: NodeId; readonly at: number }[];
	readonly leave: { readonly id: NodeId; readonly at: number } | undefined;
	readonly metaUpdates: readonly { readonly id: NodeId; readonly at: number }[];
	/** A symmetric cut between `side` and the rest, healed at `healAt`. */
	readonly partition:
		| { readonly side: readonly NodeId[]; readonly at: number; readonly healAt: number }
		| undefined;
	/** Membership, metadata and app state must have converged by here. */
	readonly endAt: number;
}

export interface ScenarioOverrides {
	readonly nodes?: number;
	readonly drop?: number;
}

/** Time after the last fault heals for convergence (refutation chains, push-pulls). */
export const SETTLE_MS = 120_000;

export function scenarioFor(seed: number, overrides: ScenarioOverrides = {}): GossipScenario {
	const rng = new Prng(seed);
	const nodes = overrides.nodes ?? (rng.chance(0.5) ? 5 : 20);
	// Mostly the 5%; a third of the seeds lose more (up to 20%).
	const drop = overrides.drop ?? (rng.chance(0.66) ? 0.05 : rng.pick([0.1, 0.15, 0.2]));
	const faults: NetworkFaults = {
		drop,
		duplicate: 0.01,
		minDelay: 1,
		maxDelay: rng.int(10, 80),
		longDelayChance: rng.pick([0, 0.005, 0.02]),
		longDelay: 400,
	};
	const config = swimConfig({ pushPullIntervalMs: 10_000 });
	const ids = Array.from({ length: nodes }, (_, i) => i + 1);
	const joinAt = new Map<NodeId, number>(ids.map((id) => [id, id === 1 ? 0 : rng.int(0, 3_000)]));
	const settledAt = 30_000;

	// Victims are drawn without repeats: a node crashes, leaves or stays.
	const pool = ids.slice();
	const draw = (): NodeId => pool.splice(rng.int(0, pool.length - 1), 1)[0] as NodeId;
	const crashCount = nodes >= 20 ? rng.int(1, 3) : 1;
	const crashes = Array.from({ length: crashCount }, () => ({
		id: draw(),
		at: settledAt + rng.int(0, 5_000),
	}));
	const leave = rng.chance(0.5) ? { id: draw(), at: settledAt + rng.int(0, 15_000) } : undefined;
	const metaUpdates = Array.from({ length: rng.int(1, 3) }, () => ({
		id: rng.pick(pool),
		at: settledAt + rng.int(0, 30_000),
	}));

	let partition: GossipScenario["partition"];
	if (rng.chance(0.6)) {
		const sideSize = rng.int(1, Math.floor(pool.length / 2));
		const side = shuffle(pool.slice(), () => rng.next()).slice(0, sideSize);
		const at = settledAt + rng.int(15_000, 30_000);
		partition = { side, at, healAt: at + rng.int(10_000, 60_000) };
	}
	const lastFault = Math.max(
		partition?.healAt ?? 0,
		...crashes.map((c) => c.at),
		leave?.at ?? 0,
		...metaUpdates.map((m) => m.at),
	);
	return {
		seed,
		nodes,
		faults,
		config,
		joinAt,
		settledAt,
		crashes,
		leave,
		metaUpdates,
		partition,
		endAt: lastFault + SETTLE_MS,
	};
}
