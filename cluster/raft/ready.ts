/**
 * What the core hands its driver in one batch, and the order the driver must follow:
 * 1. persist `snapshot` (if present: a leader's snapshot this follower installed; it
 *    replaces every stored entry, and the state machine's state, up to its index), then
 *    `hardState` (if present) and `entries` (which follow the snapshot, and replace any
 *    stored entries from the first one's index on), and sync;
 * 2. only then send `messages` (they may promise what step 1 wrote);
 * 3. restore the state machine from `snapshot` (if present), then apply `committedEntries`
 *    in order (they follow it), serve `readStates` once applied >= their index;
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
import type { Snapshot } from "./snapshot.ts";

/** A ReadIndex answer: `context` may be served once the state machine applied `index`. */
export interface ReadState {
	readonly index: number;
	readonly context: string;
}

export interface Ready {
	readonly hardState: HardState | undefined;
	readonly snapshot: Snapshot | undefined;
	readonly entries: readonly Entry[];
	readonly committedEntries: readonly Entry[];
	readonly messages: readonly Message[];
	readonly readStates: readonly ReadState[];
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
	return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
