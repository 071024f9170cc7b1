/**
 * The application's seats on gossip: how a CRDT store (or anything else) rides on SWIM
 * without gossip knowing what it carries.
 *
 * - `Piggyback`: small items that travel inside probe packets (ping, ping-req, ack), after
 *   the membership updates, within what is left of the packet's byte budget. Best effort:
 *   a packet can be lost, so items must be idempotent to receive and safe to lose (deltas
 *   of a state-based CRDT are; push-pull repairs what was lost).
 * - `AppState`: the whole application state, exchanged on every push-pull (every
 *   `pushPullIntervalMs` with one random member, and on join), so a node that missed items
 *   catches up.
 *
 * Items and states are opaque to gossip: it only checks the packet's size and that `app` is
 * an array of at most APP_ITEMS_PER_PACKET_MAX entries. The application validates what it
 * receives (valibot at its own boundary) and must drop what it cannot use, never throw:
 * a throw from a hook is caught, counted (`appHookErrors`) and otherwise ignored.
 */
import type { NodeId } from "./types.ts";

export interface Piggyback {
	/**
	 * Items for a packet to `to`, their JSON encoding at most `budgetBytes` bytes in total
	 * (items joined by commas, as in a JSON array). Called once per outgoing probe packet;
	 * return [] when there is nothing to say. Items over the budget make gossip drop them all
	 * for that packet (counted as `appOverBudget`), so measure before returning.
	 */
	take(to: NodeId, budgetBytes: number): unknown[];
	/** Items a packet from `from` carried, in order, not yet validated. */
	receive(from: NodeId, items: unknown[]): void;
}

export interface AppState {
	/** The state to send in a push-pull: JSON-serializable, within the frame limit. */
	localState(): unknown;
	/** A peer's localState(), not yet validated: merge it (a CRDT join) or drop it. */
	mergeRemote(from: NodeId, state: unknown): void;
}

/** JSON bytes of `items` as they sit inside a packet's `app` array (commas included). */
export function appItemsBytes(items: readonly unknown[]): number {
	if (items.length === 0) return 0;
	return new TextEncoder().encode(JSON.stringify(items)).byteLength - 2;
}
