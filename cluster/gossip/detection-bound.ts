/**
 * How long a crashed member can stay undeclared: the bound the simulator asserts.
 *
 * Every live node L finds a crashed member X by its own probing, whatever gossip does.
 * L probes each of its at most n − 1 live members once per round, in a shuffled order, so
 * X comes up within 2(n − 1) − 1 probes after the crash (first in one round, last in the
 * next); that probe fails at the end of its period, one period later. A probe period is
 * probeInterval × (health + 1) ≤ probeInterval × (awarenessMax + 1). L then suspects X (or
 * already does), and its timer runs at most the longest suspicion timeout,
 * suspicionMaxTimeoutMult × suspicionMult × max(1, log10 n) × probeInterval: local health
 * raises the floor confirmations shrink it to (min × (health + 1)) but never past that max.
 * Gossip (a suspicion or death heard from others, confirmations) only makes it sooner. So:
 *
 *   bound = 2(n − 1) × probeInterval × (healthMax + 1) + suspicionMax(n)
 *
 * With the defaults (1 s periods, mult 4 and 6) and a healthy node (healthMax 0): 32 s for
 * n = 5, 69.2 s for n = 20; with awarenessMax 8 as the ceiling, 96 s and 373.2 s.
 */
import type { SwimConfig } from "./config.ts";
import { suspicionTimeouts } from "./suspicion.ts";

export function deadDetectionBoundMs(n: number, config: SwimConfig, healthMax: number): number {
	const periodMs = config.probeIntervalMs * (healthMax + 1);
	const { maxMs } = suspicionTimeouts(
		n,
		config.probeIntervalMs,
		config.suspicionMult,
		config.suspicionMaxTimeoutMult,
	);
	return 2 * (n - 1) * periodMs + maxMs;
}
