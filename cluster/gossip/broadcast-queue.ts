/**
 * Dissemination (memberlist's queue.go): membership updates waiting to be piggybacked. At
 * most one update per member is queued (a newer one replaces the older, which is stale
 * news); each is sent at most `limit` times, the least-sent first, so fresh news goes out
 * before news most nodes already have. Pure.
 */
import type { Update } from "./messages.ts";
import type { NodeId } from "./types.ts";

interface Entry {
	readonly update: Update;
	readonly bytes: number;
	transmits: number;
	/** Our own news (a refutation, our metadata, our leave): goes first, sent twice as often. */
	readonly priority: boolean;
	/** Enqueue order: among equally-sent updates, the newest goes first. */
	readonly seq: number;
}

const encoder = new TextEncoder();

/** An update's size inside a packet's JSON (its comma included). */
export function updateBytes(update: Update): number {
	return encoder.encode(JSON.stringify(update)).byteLength + 1;
}

export class BroadcastQueue {
	readonly #byMember = new Map<NodeId, Entry>();
	#seq = 0;

	get size(): number {
		return this.#byMember.size;
	}

	/**
	 * Queues `update`, replacing what was queued about the same member. `priority` is for a
	 * node's news about itself: a refutation has to beat the suspicion's timers everywhere, and
	 * only this node can send it first-hand, so it leads every packet and is sent 2 × limit times.
	 */
	enqueue(update: Update, priority = false): void {
		this.#byMember.set(update.id, {
			update,
			bytes: updateBytes(update),
			transmits: 0,
			priority,
			seq: this.#seq++,
		});
	}

	/** Whether an update about `id` is still waiting to go out. */
	has(id: NodeId): boolean {
		return this.#byMember.has(id);
	}

	/**
	 * Updates that fit in `budgetBytes`, least-sent first; each taken counts one transmit
	 * and is dropped once it reached `limit`. `first` (if queued) goes first whatever its
	 * count: Lifeguard's buddy system, telling a suspect it is suspected. Priority entries come
	 * next. An `alive` about the recipient `to` itself is news it cannot use: it is skipped
	 * without spending a transmit.
	 */
	take(budgetBytes: number, limit: number, first?: NodeId, to?: NodeId): Update[] {
		const entries = [...this.#byMember.values()].sort(
			(a, b) =>
				Number(b.priority) - Number(a.priority) || a.transmits - b.transmits || b.seq - a.seq,
		);
		if (first !== undefined) {
			const buddy = this.#byMember.get(first);
			if (buddy !== undefined) entries.unshift(buddy);
		}
		const taken: Update[] = [];
		const seen = new Set<Entry>();
		let left = budgetBytes;
		for (const entry of entries) {
			if (seen.has(entry)) continue;
			seen.add(entry);
			if (entry.update.id === to && entry.update.t === "alive") continue;
			if (entry.bytes > left) continue;
			left -= entry.bytes;
			taken.push(entry.update);
			entry.transmits++;
			if (entry.transmits >= (entry.priority ? 2 * limit : limit)) {
				this.#byMember.delete(entry.update.id);
			}
		}
		return taken;
	}
}
