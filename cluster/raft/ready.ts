/**
 * What the core hands its driver in one batch, and the order the driver must follow:
 * 1. persist `hardState` (if present) and `entries` (which replace any stored entries from
 *    the first one's index on), and sync;
 * 2. only then send `messages` (they may promise what step 1 wrote);
 * 3. apply `committedEntries` in order, serve `readStates` once applied >= their index;
 * 4. call `advance(ready)`.
 * Two relaxations are allowed (cluster/raft-node/ uses both; cluster/sim/ uses neither):
 * - A leader whose Ready changes neither term nor vote may send its `app` and `heartbeat`
 *   messages before step 1 finishes (Raft thesis §10.2.1), provided the driver steps no
 *   follower's successful `appResp` for an index beyond what it has itself made durable
 *   until it has: the core counts its own whole log as matched when it commits, and that
 *   hold is what makes the count true. Every other message still waits for step 1.
 * - Committed entries at or below what earlier Readies made durable, and below the first
 *   of this Ready's `entries`, may be applied (and reads served) before step 1 finishes:
 *   they are committed, and nothing this Ready writes can replace them.
 */
import type { Entry, HardState, Message } from "./messages.ts";

/** A ReadIndex answer: `context` may be served once the state machine applied `index`. */
export interface ReadState {
	readonly index: number;
	readonly context: string;
}

export interface Ready {
	readonly hardState: HardState | undefined;
	readonly entries: readonly Entry[];
	readonly committedEntries: readonly Entry[];
	readonly messages: readonly Message[];
	readonly readStates: readonly ReadState[];
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
	return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
