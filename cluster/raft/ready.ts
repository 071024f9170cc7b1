/**
 * What the core hands its driver in one batch, and the order the driver must follow:
 * 1. persist `hardState` (if present) and `entries` (which replace any stored entries from
 *    the first one's index on), and sync;
 * 2. only then send `messages` (they may promise what step 1 wrote);
 * 3. apply `committedEntries` in order, serve `readStates` once applied >= their index;
 * 4. call `advance(ready)`.
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
