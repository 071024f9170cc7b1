/**
 * Hybrid logical clock (Kulkarni et al., 2014): timestamps that follow physical time when
 * clocks agree, never go backwards, and order every send before the matching receive.
 *
 * A timestamp is (wall ms, logical). `now()` stamps a local event; `observe(remote)`
 * takes in a timestamp that arrived from a peer. A remote timestamp more than `maxDriftMs`
 * ahead of our physical clock is refused and changes nothing: one peer with a clock years
 * ahead would otherwise drag every clock (and every later LWW write) with it.
 *
 * The physical clock is injected (tests move it by hand, backwards too).
 */
import * as v from "valibot";
import { countSchema } from "./replica.ts";

export interface HlcTimestamp {
	readonly wall: number;
	readonly logical: number;
}

export const hlcTimestampSchema = v.strictObject({ wall: countSchema, logical: countSchema });

export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): number {
	return a.wall !== b.wall ? a.wall - b.wall : a.logical - b.logical;
}

export type PhysicalClock = () => number;

export class ClockDriftError extends Error {
	override readonly name = "ClockDriftError";
	constructor(
		readonly remote: HlcTimestamp,
		readonly physicalMs: number,
		readonly maxDriftMs: number,
	) {
		super(
			`remote timestamp ${remote.wall}.${remote.logical} is ${remote.wall - physicalMs} ms ahead of our clock (at most ${maxDriftMs} allowed)`,
		);
	}
}

/**
 * A peer's timestamp with a logical count this high is refused like one too far ahead.
 * The count resets every millisecond the clock moves, so a real one stays small; one at
 * 2^53 - 1 made our next stamp 2^53, which no peer's schema accepts (and our own log could
 * not be read back), so every local write until the clock passed it stayed here alone.
 */
export const MAX_REMOTE_LOGICAL = 2 ** 32;

/** A remote timestamp whose logical count is beyond MAX_REMOTE_LOGICAL. */
export class ClockLogicalError extends ClockDriftError {
	constructor(remote: HlcTimestamp, physicalMs: number, maxDriftMs: number) {
		super(remote, physicalMs, maxDriftMs);
		this.message = `remote timestamp ${remote.wall}.${remote.logical} has a logical count above ${MAX_REMOTE_LOGICAL}`;
	}
}

export const DEFAULT_MAX_DRIFT_MS = 60_000;

export class HybridClock {
	private last: HlcTimestamp = { wall: 0, logical: 0 };

	constructor(
		private readonly physical: PhysicalClock,
		readonly maxDriftMs: number = DEFAULT_MAX_DRIFT_MS,
	) {}

	/** The latest timestamp issued or observed. */
	get current(): HlcTimestamp {
		return this.last;
	}

	/** A timestamp for a local event, greater than every one issued or observed before. */
	now(): HlcTimestamp {
		const pt = Math.floor(this.physical());
		this.last =
			pt > this.last.wall
				? { wall: pt, logical: 0 }
				: { wall: this.last.wall, logical: this.last.logical + 1 };
		return this.last;
	}

	/**
	 * Takes in a peer's timestamp so later local ones order after it. Throws
	 * ClockDriftError (changing nothing) when it is too far ahead of our physical clock.
	 */
	observe(remote: HlcTimestamp): void {
		const pt = Math.floor(this.physical());
		if (remote.wall - pt > this.maxDriftMs) {
			throw new ClockDriftError(remote, pt, this.maxDriftMs);
		}
		if (remote.logical > MAX_REMOTE_LOGICAL) {
			throw new ClockLogicalError(remote, pt, this.maxDriftMs);
		}
		const last = this.last;
		const wall = Math.max(pt, last.wall, remote.wall);
		let logical = 0;
		if (wall === last.wall && wall === remote.wall) {
			logical = Math.max(last.logical, remote.logical) + 1;
		} else if (wall === last.wall) {
			logical = last.logical + 1;
		} else if (wall === remote.wall) {
			logical = remote.logical + 1;
		}
		this.last = { wall, logical };
	}

	/** Whether `remote` is within the drift and logical bounds (what observe would accept). */
	accepts(remote: HlcTimestamp): boolean {
		return (
			remote.wall - Math.floor(this.physical()) <= this.maxDriftMs &&
			remote.logical <= MAX_REMOTE_LOGICAL
		);
	}
}
