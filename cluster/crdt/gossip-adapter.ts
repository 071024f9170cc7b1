/**
 * The CRDT store on SWIM gossip, through the two hooks the gossip layer calls:
 *
 * - piggyback `take(to, budgetBytes)` / `receive(from, items)`: the δ-CRDT exchange.
 *   `take` fills at most `budgetBytes` (UTF-8 JSON of the item array) with, in order: an
 *   ack owed to `to`, full states of keys `to` was found to miss (anti-entropy repairs),
 *   then the delta-interval `to` has not acknowledged. When the whole interval fits, an
 *   `upto` item closes the batch and `to` acknowledges it; when it does not, the keys go
 *   out in turns over later calls (no ack: the next interval still covers them).
 *   This relies on one batch travelling as one message; if part of a batch were lost, the
 *   digest exchange below repairs what the ack claimed.
 * - push-pull `localState()` / `mergeRemote(from, state)`: digests only (a version vector
 *   or stamp per key); whatever the peer's digests show it misses is queued as repairs
 *   for it, which ride the next `take(from, ...)`.
 *
 * Everything received is validated; a bad item is dropped, counted and logged, and the
 * rest of the batch still applies. Peers are the gossip layer's numeric node ids.
 */
import type { PeerId } from "./delta-buffer.ts";
import type { CrdtStore } from "./store.ts";
import { MAX_ITEMS, type PushPullState, parseItem, parsePushPull, type WireItem } from "./wire.ts";

export interface PiggybackHook {
	take(to: PeerId, budgetBytes: number): unknown[];
	receive(from: PeerId, items: unknown[]): void;
}

export interface PushPullHook {
	localState(): unknown;
	mergeRemote(from: PeerId, state: unknown): void;
}

export type AdapterLogger = (level: "WARN" | "INFO", message: string) => void;

export interface AdapterStats {
	/** Items that passed validation and were applied. */
	received: number;
	/** Items or states refused (malformed, wrong kind, clock too far ahead). */
	rejected: number;
	/** Entries that alone exceeded a budget (they wait for a larger one). */
	oversize: number;
	/** Full-state repairs queued by digest comparison. */
	repairsQueued: number;
}

const encoder = new TextEncoder();

function byteLength(item: unknown): number {
	return encoder.encode(JSON.stringify(item)).byteLength;
}

export class CrdtGossipAdapter implements PiggybackHook, PushPullHook {
	readonly stats: AdapterStats = { received: 0, rejected: 0, oversize: 0, repairsQueued: 0 };
	private readonly owedAcks = new Map<PeerId, number>();
	private readonly repairs = new Map<PeerId, Set<string>>();
	/** Where the next partial batch to a peer starts in its interval (key turns). */
	private readonly turn = new Map<PeerId, number>();

	constructor(
		private readonly store: CrdtStore,
		private readonly log: AdapterLogger = (level, message) =>
			console.error(`${level} crdt-gossip: ${message}`),
	) {}

	take(to: PeerId, budgetBytes: number): unknown[] {
		const items: WireItem[] = [];
		let used = 2; // "[" and "]"
		const fits = (item: WireItem): boolean => {
			const size = byteLength(item) + (items.length > 0 ? 1 : 0);
			if (used + size > budgetBytes) return false;
			items.push(item);
			used += size;
			return true;
		};

		const ack = this.owedAcks.get(to);
		if (ack !== undefined && fits({ t: "ack", seq: ack })) this.owedAcks.delete(to);

		const repairs = this.repairs.get(to);
		if (repairs !== undefined) {
			for (const key of [...repairs]) {
				if (!fits({ t: "d", ...this.store.entryOf(key) })) break;
				repairs.delete(key);
			}
			if (repairs.size === 0) this.repairs.delete(to);
		}

		const interval = this.store.intervalFor(to);
		const entries = [...interval.entries].sort((a, b) => (a.key < b.key ? -1 : 1));
		if (entries.length === 0) {
			fits({ t: "upto", seq: interval.upTo });
			return items;
		}
		const start = (this.turn.get(to) ?? 0) % entries.length;
		let sent = 0;
		for (let i = 0; i < entries.length; i++) {
			const entry = entries[(start + i) % entries.length];
			if (entry === undefined) break;
			const item = { t: "d", ...entry } as WireItem;
			if (!fits(item)) {
				if (byteLength([item]) > budgetBytes) this.stats.oversize++;
				break;
			}
			sent++;
		}
		if (sent === entries.length && fits({ t: "upto", seq: interval.upTo })) {
			this.turn.delete(to);
		} else {
			this.turn.set(to, start + Math.max(sent, 1));
		}
		return items;
	}

	receive(from: PeerId, items: unknown[]): void {
		if (!Array.isArray(items) || items.length > MAX_ITEMS) {
			this.reject(from, `a batch is an array of at most ${MAX_ITEMS} items`);
			return;
		}
		for (const raw of items) {
			const parsed = parseItem(raw);
			if (!parsed.ok) {
				this.reject(from, parsed.reason);
				continue;
			}
			const item = parsed.item;
			switch (item.t) {
				case "d": {
					const { t: _, key, ...kinded } = item;
					const outcome = this.store.merge(key, kinded);
					if (outcome.ok) this.stats.received++;
					else this.reject(from, outcome.reason);
					break;
				}
				case "upto":
					this.stats.received++;
					this.owedAcks.set(from, Math.max(this.owedAcks.get(from) ?? 0, item.seq));
					break;
				case "ack":
					this.stats.received++;
					this.store.ack(from, item.seq);
					break;
			}
		}
	}

	localState(): PushPullState {
		return { v: 1, digests: this.store.digests() };
	}

	mergeRemote(from: PeerId, state: unknown): void {
		const parsed = parsePushPull(state);
		if (!parsed.ok) {
			this.reject(from, `push-pull state: ${parsed.reason}`);
			return;
		}
		const missing = this.store.missingFrom(parsed.state.digests);
		if (missing.length === 0) return;
		const queue = this.repairs.get(from) ?? new Set<string>();
		for (const key of missing) queue.add(key);
		this.repairs.set(from, queue);
		this.stats.repairsQueued += missing.length;
	}

	/** A peer left the cluster: drop what is kept for it. */
	forget(peer: PeerId): void {
		this.owedAcks.delete(peer);
		this.repairs.delete(peer);
		this.turn.delete(peer);
		this.store.forgetPeer(peer);
	}

	private reject(from: PeerId, reason: string): void {
		this.stats.rejected++;
		this.log("WARN", `from node ${from}: refused ${reason}`);
	}
}
