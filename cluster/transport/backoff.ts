/**
 * Reconnect delays: exponential from `baseMs`, capped at `maxMs`, with "equal jitter": the
 * delay is half the exponential step plus a random share of the other half, so peers that
 * lost a node together do not all redial it in the same millisecond, and no delay is ever
 * near zero.
 */

export interface BackoffPolicy {
	readonly baseMs: number;
	readonly maxMs: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry). `random` returns a
 * number in [0, 1), as Math.random does; tests pass a fixed one.
 */
export function backoffDelayMs(
	policy: BackoffPolicy,
	attempt: number,
	random: () => number,
): number {
	// 2^attempt overflows to Infinity long after it passed any cap; min() handles that.
	const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
	const r = random();
	const share = r >= 0 && r < 1 ? r : 0;
	return Math.round(step / 2 + share * (step / 2));
}
