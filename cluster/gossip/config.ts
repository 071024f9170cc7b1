/**
 * SWIM's knobs, with memberlist's LAN defaults where they exist, validated once where a
 * driver builds the core. Times in milliseconds.
 */
import * as v from "valibot";

const positiveMs = v.pipe(v.number(), v.finite(), v.minValue(1));
const count = (min: number, max: number) =>
	v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max));

export const SwimConfigSchema = v.pipe(
	v.strictObject({
		/** One probe per period, scaled up by the local health multiplier. */
		probeIntervalMs: positiveMs,
		/** How long a direct ping waits before asking others (also scaled). */
		probeTimeoutMs: positiveMs,
		/** k: members asked to ping a target that missed a direct ping. */
		indirectChecks: count(0, 16),
		/** λ: each update is sent about λ·log10(n+1) times (rounded up). */
		retransmitMult: count(1, 32),
		/** Suspicion's shortest timeout is this × max(1, log10 n) probe intervals... */
		suspicionMult: count(1, 64),
		/** ...and its longest, without confirmations, this × the shortest. */
		suspicionMaxTimeoutMult: count(1, 64),
		/** The local health multiplier's ceiling (Lifeguard): periods stretch at most (this + 1)×. */
		awarenessMax: count(0, 32),
		/** Full-state push-pull with one random member this often. */
		pushPullIntervalMs: positiveMs,
		/**
		 * Share of push-pulls aimed at a member we think dead: how the sides of a healed
		 * partition find each other again (each declared the other dead, so nobody probes it).
		 */
		pushPullDeadShare: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
		/** Dead and left rows are forgotten this long after they changed. */
		reapAfterMs: positiveMs,
		/** Largest UDP datagram we send or accept. */
		maxPacketBytes: count(256, 65_000),
	}),
	v.check(
		(c) => c.probeTimeoutMs < c.probeIntervalMs,
		"probeTimeoutMs must be shorter than probeIntervalMs",
	),
);

export type SwimConfig = v.InferOutput<typeof SwimConfigSchema>;

/** memberlist's DefaultLANConfig, where it has the knob. */
export const DEFAULT_SWIM_CONFIG: SwimConfig = {
	probeIntervalMs: 1_000,
	probeTimeoutMs: 500,
	indirectChecks: 3,
	retransmitMult: 4,
	suspicionMult: 4,
	suspicionMaxTimeoutMult: 6,
	awarenessMax: 8,
	pushPullIntervalMs: 30_000,
	pushPullDeadShare: 0.25,
	reapAfterMs: 3_600_000,
	maxPacketBytes: 1_400,
};

/** Defaults overridden by `overrides`, then validated (throws ValiError with the bad field). */
export function swimConfig(overrides: Partial<SwimConfig> = {}): SwimConfig {
	return v.parse(SwimConfigSchema, { ...DEFAULT_SWIM_CONFIG, ...overrides });
}

/** How many times each update is piggybacked in a cluster of `n` members. */
export function retransmitLimit(retransmitMult: number, n: number): number {
	return retransmitMult * Math.ceil(Math.log10(n + 1));
}
