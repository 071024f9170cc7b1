/**
 * The δ-CRDT anti-entropy bookkeeping of Almeida et al. 2018 (Algorithm 2), kept per
 * store: a sequence number counting changes, a buffer of delta-intervals, and per peer the
 * sequence number it acknowledged. Pure.
 *
 * Changes join into an open segment (one delta per key), so a burst of increments to one
 * key costs one delta, not one per increment. A segment is sealed when it is shipped or
 * logged; its end is the sequence number a peer acknowledges. A peer that acknowledged `a`
 * gets the join of the segments after `a`; a peer never heard from, or one whose segments
 * were dropped (the buffer is bounded), gets the full state instead.
 */
import { type CrdtKind, type Kinded, opsOf, type StateOf } from "./kinds.ts";

export type PeerId = number;

interface Segment {
	readonly from: number;
	readonly to: number;
	readonly deltas: ReadonlyMap<string, Kinded>;
}

/**
 * Segments kept at most. Joining many segments for a lagging peer costs more than sending
 * it the full state (measured: 20 replicas, ~1000 segments, 3 ms a take), so the bound is
 * small and a peer that far behind gets the full state.
 */
export const DEFAULT_MAX_SEGMENTS = 64;

export class DeltaBuffer {
	private seqNext = 0;
	private sealed: Segment[] = [];
	private open = new Map<string, { kind: CrdtKind; state: StateOf[CrdtKind] }>();
	private openFrom = 0;
	private readonly acked = new Map<PeerId, number>();
	/** Peers sent the full state as of a sequence number, not acknowledged yet. */
	private readonly fullSent = new Map<PeerId, number>();
	/** Segments from here on are kept whatever peers acknowledged (not yet logged). */
	private hold = Number.POSITIVE_INFINITY;

	constructor(private readonly maxSegments = DEFAULT_MAX_SEGMENTS) {}

	/** Changes recorded so far. */
	get seq(): number {
		return this.seqNext;
	}

	/** The oldest sequence number a peer may have acknowledged and still get deltas. */
	get retainedFrom(): number {
		return this.sealed[0]?.from ?? this.openFrom;
	}

	get segmentCount(): number {
		return this.sealed.length;
	}

	/** Records one change (the buffer owns `delta` from now on). */
	record(key: string, kind: CrdtKind, delta: StateOf[CrdtKind]): void {
		const current = this.open.get(key);
		if (current === undefined) this.open.set(key, { kind, state: delta });
		else {
			const joined = opsOf(kind).absorb(current.state, delta);
			if (joined !== undefined) current.state = joined;
		}
		this.seqNext++;
	}

	/** Closes the open segment; returns the sequence number everything so far is below. */
	seal(): number {
		if (this.open.size > 0) {
			this.sealed.push({
				from: this.openFrom,
				to: this.seqNext,
				deltas: this.open as ReadonlyMap<string, Kinded>,
			});
			this.open = new Map();
			this.openFrom = this.seqNext;
			this.trim();
		}
		return this.seqNext;
	}

	/**
	 * The join, per key, of every sealed change at or after `from` (copies); undefined when
	 * some of them were dropped (the caller sends the full state instead).
	 */
	since(from: number): Map<string, Kinded> | undefined {
		if (from < this.retainedFrom) return undefined;
		// Accumulated into copies, so buffer segments stay as they are.
		const out = new Map<string, { kind: CrdtKind; state: StateOf[CrdtKind] }>();
		for (const segment of this.sealed) {
			if (segment.to <= from) continue;
			for (const [key, delta] of segment.deltas) {
				const ops = opsOf(delta.kind);
				const prior = out.get(key);
				if (prior === undefined) out.set(key, { kind: delta.kind, state: ops.clone(delta.state) });
				else prior.state = ops.absorb(prior.state, delta.state) ?? prior.state;
			}
		}
		return out as Map<string, Kinded>;
	}

	/** What `peer` acknowledged, if it ever did. */
	ackedBy(peer: PeerId): number | undefined {
		return this.acked.get(peer);
	}

	ack(peer: PeerId, seq: number): void {
		if (seq > this.seqNext) return; // not a number we handed out: ignore, never trust
		if (seq > (this.acked.get(peer) ?? -1)) this.acked.set(peer, seq);
		if (seq >= (this.fullSent.get(peer) ?? Number.POSITIVE_INFINITY)) this.fullSent.delete(peer);
		this.trim();
	}

	/**
	 * `peer` was sent the full state as of `seq`: keep the segments after it, so its ack
	 * can be answered with deltas instead of another full state.
	 */
	sentFull(peer: PeerId, seq: number): void {
		if (!this.fullSent.has(peer)) this.fullSent.set(peer, seq);
	}

	forget(peer: PeerId): void {
		this.acked.delete(peer);
		this.fullSent.delete(peer);
		this.trim();
	}

	/** Keeps segments from `seq` on until released (what the log has not written yet). */
	holdFrom(seq: number): void {
		this.hold = seq;
		this.trim();
	}

	/** Drops segments every peer has, and the oldest beyond the bound (those peers get full state). */
	private trim(): void {
		let floor = this.hold;
		for (const seq of this.acked.values()) floor = Math.min(floor, seq);
		for (const seq of this.fullSent.values()) floor = Math.min(floor, seq);
		while (this.sealed.length > 0) {
			const first = this.sealed[0] as Segment;
			const overBound = this.sealed.length > this.maxSegments && first.to <= this.hold;
			if (first.to > floor && !overBound) break;
			this.sealed.shift();
		}
		if (this.sealed.length === 0 && this.open.size === 0) this.openFrom = this.seqNext;
	}
}
