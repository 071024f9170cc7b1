/**
 * Lifeguard's suspicion timer (memberlist's suspicion.go): a suspect is declared dead after
 * a timeout that starts long and shrinks, on a log scale, as independent nodes confirm the
 * suspicion: with no confirmation it waits `max`, with `k` of them only `min`. Pure: the
 * deadline is a number the core compares with its clock.
 */
import type { NodeId } from "./types.ts";

export interface SuspicionTimeouts {
	readonly minMs: number;
	readonly maxMs: number;
	/** Confirmations after which the timeout is down to `minMs`. */
	readonly k: number;
}

/**
 * The timeouts for a cluster of `n` members: min = suspicionMult × max(1, log10 n) probe
 * intervals, max = suspicionMaxTimeoutMult × min, k = suspicionMult − 2, or as many others
 * as could confirm (n − 2) when fewer. memberlist sets k to 0 there, so in a cluster of three a
 * lone suspicion ran only `min`: in simulation at 5% loss that killed live members whose
 * refutation was slow; waiting for the one possible confirmation (or `max`) does not.
 */
export function suspicionTimeouts(
	n: number,
	probeIntervalMs: number,
	suspicionMult: number,
	suspicionMaxTimeoutMult: number,
): SuspicionTimeouts {
	const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
	const minMs = suspicionMult * nodeScale * probeIntervalMs;
	const wanted = Math.max(0, suspicionMult - 2);
	const k = Math.max(0, Math.min(wanted, n - 2));
	return { minMs, maxMs: suspicionMaxTimeoutMult * minMs, k };
}

/**
 * The timeout after `confirmations` independent confirmations, for a node whose Lifeguard
 * health score is `healthScore`. Confirmations shrink it from `max` towards a floor of
 * min × (score + 1), never below: a node that is itself missing packets (its own failed probe
 * is one of the confirmations, and the refutation may be among what it misses) waits longer
 * before it kills anyone. The floor is capped at `max`, so the longest timeout, and with it
 * the crash-detection bound, does not depend on health.
 */
export function suspicionTimeoutMs(
	t: SuspicionTimeouts,
	confirmations: number,
	healthScore = 0,
): number {
	const floor = Math.min(t.maxMs, t.minMs * (Math.max(0, healthScore) + 1));
	if (t.k < 1) return floor;
	const fraction = Math.min(1, Math.log(confirmations + 1) / Math.log(t.k + 1));
	return Math.max(floor, Math.floor(t.maxMs - fraction * (t.maxMs - t.minMs)));
}

export class Suspicion {
	readonly #confirmedBy = new Set<NodeId>();

	constructor(
		readonly incarnation: number,
		/** Who raised it first; their later words are not independent. */
		readonly from: NodeId,
		readonly startedAt: number,
		readonly timeouts: SuspicionTimeouts,
	) {}

	/** Records `by` as confirming; true if that is news (a new, independent voice). */
	confirm(by: NodeId): boolean {
		if (by === this.from || this.#confirmedBy.has(by)) return false;
		if (this.#confirmedBy.size >= this.timeouts.k) return false;
		this.#confirmedBy.add(by);
		return true;
	}

	get confirmations(): number {
		return this.#confirmedBy.size;
	}

	/** When the suspect is declared dead, for a node of health `healthScore` (0: healthy). */
	deadline(healthScore = 0): number {
		return this.startedAt + suspicionTimeoutMs(this.timeouts, this.#confirmedBy.size, healthScore);
	}
}
