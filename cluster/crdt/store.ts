/**
 * The CRDT store: keys (e.g. "hits:pop-ams") to CRDTs, each key's kind fixed at first use.
 * Pure: no I/O, no timers; time comes from the injected physical clock (for LWW stamps).
 *
 * Local operations change the local state and record a delta in the DeltaBuffer; what
 * peers are sent, and what the log writes, comes from there. Reads are local: a counter's
 * value is the cluster-wide total as far as this replica has heard.
 */
import * as v from "valibot";
import { DEFAULT_MAX_SEGMENTS, DeltaBuffer, type PeerId } from "./delta-buffer.ts";
import { CounterRangeError, CrdtInputError, CrdtKindError } from "./errors.ts";
import { gCounterIncrement, gCounterValue } from "./g-counter.ts";
import { ClockDriftError, DEFAULT_MAX_DRIFT_MS, HybridClock, type PhysicalClock } from "./hlc.ts";
import { isJsonValue, type JsonValue } from "./json-value.ts";
import { type CrdtKind, type DigestOf, type Kinded, kinds, opsOf, type StateOf } from "./kinds.ts";
import { lwwSet, lwwValue } from "./lww-register.ts";
import { mvValues, mvWrite } from "./mv-register.ts";
import { elementSchema, orSetAdd, orSetElements, orSetHas, orSetRemove } from "./or-set.ts";
import { pnCounterIncrement, pnCounterJoinInto, pnCounterValue } from "./pn-counter.ts";
import { type ReplicaId, replicaIdSchema } from "./replica.ts";

export const MAX_KEY_LENGTH = 256;
const keySchema = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_KEY_LENGTH));

export interface StoreOptions {
	/** This replica's id: `String(nodeId)`, or `<node>.<generation>` when persisted. */
	readonly replica: ReplicaId;
	/** Physical time in ms, for LWW stamps (Date.now in production, by hand in tests). */
	readonly clock: PhysicalClock;
	readonly maxDriftMs?: number;
	readonly maxBufferSegments?: number;
}

/** A key's value as reads see it. */
export type CrdtValue =
	| { readonly kind: "gcounter" | "pncounter"; readonly value: number }
	| { readonly kind: "lww"; readonly value: JsonValue | undefined }
	| { readonly kind: "mvreg"; readonly value: JsonValue[] }
	| { readonly kind: "orset"; readonly value: string[] };

/** What merging a peer's state or delta did. */
export type MergeOutcome =
	| { readonly ok: true; readonly changed: boolean }
	| { readonly ok: false; readonly reason: string };

/** What a peer should be sent: deltas since its ack, or everything. */
export interface Interval {
	readonly upTo: number;
	readonly full: boolean;
	readonly entries: ReadonlyArray<{ readonly key: string } & Kinded>;
}

export interface KeyDigest<K extends CrdtKind = CrdtKind> {
	readonly key: string;
	readonly kind: K;
	readonly digest: DigestOf[K];
}

interface Slot {
	readonly kind: CrdtKind;
	state: StateOf[CrdtKind];
}

export class CrdtStore {
	readonly replica: ReplicaId;
	readonly clock: HybridClock;
	readonly buffer: DeltaBuffer;
	private readonly slots = new Map<string, Slot>();

	constructor(options: StoreOptions) {
		this.replica = v.parse(replicaIdSchema, options.replica);
		this.clock = new HybridClock(options.clock, options.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS);
		this.buffer = new DeltaBuffer(options.maxBufferSegments ?? DEFAULT_MAX_SEGMENTS);
	}

	// --- local operations -------------------------------------------------------------

	/** Fixes `key`'s kind before first use (incr/decr would make it a PN-Counter). */
	declare(key: string, kind: CrdtKind): void {
		this.slot(key, [kind], kind);
	}

	/** Adds `by` (default 1) to a counter; returns the new local value. */
	incr(key: string, by = 1): number {
		if (!Number.isSafeInteger(by))
			throw new CrdtInputError(`a counter moves by an integer, not ${by}`);
		const slot = this.slot(key, ["pncounter", "gcounter"], "pncounter");
		checkStepInRange(slot, by);
		if (slot.kind === "gcounter") {
			const state = slot.state as StateOf["gcounter"];
			const delta = gCounterIncrement(state, this.replica, by);
			state[this.replica] = delta[this.replica] as number;
			this.buffer.record(key, "gcounter", delta);
			return gCounterValue(state);
		}
		const state = slot.state as StateOf["pncounter"];
		const delta = pnCounterIncrement(state, this.replica, by);
		pnCounterJoinInto(state, delta);
		this.buffer.record(key, "pncounter", delta);
		return pnCounterValue(state);
	}

	decr(key: string, by = 1): number {
		// A G-Counter cannot go down: refuse before incr would take it as a PN-Counter's.
		this.slot(key, ["pncounter"], "pncounter");
		if (!Number.isSafeInteger(by)) throw new CrdtInputError(`cannot decrement by ${by}`);
		return this.incr(key, -by);
	}

	/** Writes a register: LWW unless `key` was declared (or first written) as an MV-Register. */
	set(key: string, value: JsonValue): void {
		if (!isJsonValue(value)) throw new CrdtInputError(`not a JSON value for ${key}`);
		const slot = this.slot(key, ["lww", "mvreg"], "lww");
		if (slot.kind === "lww") {
			const now = this.clock.now();
			this.apply(key, slot, lwwSet({ ...now, replica: this.replica }, value));
		} else {
			this.apply(key, slot, mvWrite(slot.state as StateOf["mvreg"], this.replica, value));
		}
	}

	add(key: string, element: string): void {
		checked(element);
		const slot = this.slot(key, ["orset"], "orset");
		this.apply(key, slot, orSetAdd(slot.state as StateOf["orset"], this.replica, element));
	}

	remove(key: string, element: string): void {
		checked(element);
		const slot = this.slot(key, ["orset"], "orset");
		const state = slot.state as StateOf["orset"];
		if (!orSetHas(state, element)) return; // nothing seen to remove
		this.apply(key, slot, orSetRemove(state, this.replica, element));
	}

	has(key: string, element: string): boolean {
		const slot = this.existing(key, ["orset"]);
		return slot !== undefined && orSetHas(slot.state as StateOf["orset"], element);
	}

	/** A key's value, or undefined for a key never used. */
	get(key: string): CrdtValue | undefined {
		const slot = this.slots.get(key);
		if (slot === undefined) return undefined;
		switch (slot.kind) {
			case "gcounter":
				return { kind: slot.kind, value: gCounterValue(slot.state as StateOf["gcounter"]) };
			case "pncounter":
				return { kind: slot.kind, value: pnCounterValue(slot.state as StateOf["pncounter"]) };
			case "lww":
				return { kind: slot.kind, value: lwwValue(slot.state as StateOf["lww"]) };
			case "mvreg":
				return { kind: slot.kind, value: mvValues(slot.state as StateOf["mvreg"]) };
			case "orset":
				return { kind: slot.kind, value: orSetElements(slot.state as StateOf["orset"]) };
		}
	}

	/** A counter's cluster-wide total as this replica knows it (0 for an unused key). */
	count(key: string): number {
		const value = this.get(key);
		if (value === undefined) return 0;
		if (value.kind !== "gcounter" && value.kind !== "pncounter") {
			throw new CrdtKindError(key, ["pncounter", "gcounter"], value.kind);
		}
		return value.value;
	}

	keys(): string[] {
		return [...this.slots.keys()].sort();
	}

	/** A copy of one key's state (for tests and snapshots). */
	stateOf(key: string): Kinded | undefined {
		const slot = this.slots.get(key);
		if (slot === undefined) return undefined;
		return { kind: slot.kind, state: opsOf(slot.kind).clone(slot.state) } as Kinded;
	}

	// --- from peers and from the log --------------------------------------------------

	/**
	 * Joins a peer's delta or state (already validated against its kind's schema). A kind
	 * other than the key's, or an LWW stamp beyond the drift bound, is refused and changes
	 * nothing. What adds something is recorded, so it travels on and is logged.
	 */
	merge(key: string, incoming: Kinded): MergeOutcome {
		const existing = this.slots.get(key);
		if (existing !== undefined && existing.kind !== incoming.kind) {
			return {
				ok: false,
				reason: `key ${key} is a ${existing.kind}, a peer sent a ${incoming.kind}`,
			};
		}
		if (incoming.kind === "lww" && incoming.state !== null) {
			try {
				this.clock.observe(incoming.state.stamp);
			} catch (error) {
				if (error instanceof ClockDriftError) return { ok: false, reason: error.message };
				throw error;
			}
		}
		const slot = existing ?? this.create(key, incoming.kind);
		const ops = opsOf(slot.kind);
		const joined = ops.absorb(slot.state, ops.clone(incoming.state));
		if (joined === undefined) return { ok: true, changed: false };
		slot.state = joined;
		this.buffer.record(key, slot.kind, ops.clone(incoming.state));
		return { ok: true, changed: true };
	}

	/** Joins recovered state without recording it (it is on disk already). */
	load(key: string, incoming: Kinded): void {
		const existing = this.slots.get(key);
		if (existing !== undefined && existing.kind !== incoming.kind) {
			throw new CrdtKindError(key, [existing.kind], incoming.kind);
		}
		const slot = existing ?? this.create(key, incoming.kind);
		const joined = opsOf(slot.kind).absorb(slot.state, incoming.state);
		if (joined !== undefined) slot.state = joined;
		if (incoming.kind === "lww" && incoming.state !== null) {
			// Our own later writes must order after every write we ever held.
			const { wall, logical } = incoming.state.stamp;
			if (this.clock.accepts({ wall, logical })) this.clock.observe({ wall, logical });
		}
	}

	// --- anti-entropy -------------------------------------------------------------------

	/** What `peer` misses: deltas since its ack, or every key's full state (copies). */
	intervalFor(peer: PeerId): Interval {
		const upTo = this.buffer.seal();
		const acked = this.buffer.ackedBy(peer);
		const deltas = acked === undefined ? undefined : this.buffer.since(acked);
		if (deltas === undefined) {
			this.buffer.sentFull(peer, upTo);
			return { upTo, full: true, entries: this.keys().map((key) => this.entryOf(key)) };
		}
		const entries = [...deltas].map(([key, d]) => ({ key, ...d }));
		return { upTo, full: false, entries };
	}

	ack(peer: PeerId, seq: number): void {
		this.buffer.ack(peer, seq);
	}

	forgetPeer(peer: PeerId): void {
		this.buffer.forget(peer);
	}

	/** One digest per key: what a peer compares to tell what it holds that we miss. */
	digests(): KeyDigest[] {
		return this.keys().map((key) => {
			const slot = this.slots.get(key) as Slot;
			return { key, kind: slot.kind, digest: opsOf(slot.kind).digest(slot.state) };
		});
	}

	/** Keys whose state holds something a replica with these digests lacks. */
	missingFrom(remote: readonly KeyDigest[]): string[] {
		const theirs = new Map(remote.map((d) => [d.key, d]));
		const out: string[] = [];
		for (const [key, slot] of this.slots) {
			const digest = theirs.get(key);
			if (digest === undefined) out.push(key);
			else if (digest.kind === slot.kind && !opsOf(slot.kind).covered(slot.state, digest.digest)) {
				out.push(key);
			}
		}
		return out.sort();
	}

	/** A key's full state as a wire entry (a copy). */
	entryOf(key: string): { key: string } & Kinded {
		const slot = this.slots.get(key);
		if (slot === undefined) throw new CrdtInputError(`no key ${key}`);
		return { key, kind: slot.kind, state: opsOf(slot.kind).clone(slot.state) } as {
			key: string;
		} & Kinded;
	}

	// --- internals ----------------------------------------------------------------------

	private apply(key: string, slot: Slot, delta: StateOf[CrdtKind]): void {
		const ops = opsOf(slot.kind);
		const joined = ops.absorb(slot.state, delta);
		if (joined !== undefined) slot.state = joined;
		this.buffer.record(key, slot.kind, delta);
	}

	private existing(key: string, allowed: readonly CrdtKind[]): Slot | undefined {
		const slot = this.slots.get(key);
		if (slot !== undefined && !allowed.includes(slot.kind)) {
			throw new CrdtKindError(key, allowed, slot.kind);
		}
		return slot;
	}

	private slot(key: string, allowed: readonly CrdtKind[], fresh: CrdtKind): Slot {
		return this.existing(key, allowed) ?? this.create(checkedKey(key), fresh);
	}

	private create(key: string, kind: CrdtKind): Slot {
		const slot: Slot = { kind, state: kinds[kind].bottom() };
		this.slots.set(key, slot);
		return slot;
	}
}

/**
 * Refuses, before anything changes, a step that would take a counter's total past 2^53 - 1
 * (for a PN-Counter, the total of the side it adds to: increments or decrements).
 */
function checkStepInRange(slot: Slot, by: number): void {
	const side =
		slot.kind === "gcounter"
			? (slot.state as StateOf["gcounter"])
			: by >= 0
				? (slot.state as StateOf["pncounter"]).p
				: (slot.state as StateOf["pncounter"]).n;
	if (gCounterValue(side) + Math.abs(by) > Number.MAX_SAFE_INTEGER)
		throw new CounterRangeError(`a step of ${by} would take the counter past 2^53 - 1`);
}

function checkedKey(key: string): string {
	if (!v.is(keySchema, key)) throw new CrdtInputError(`a key is 1-${MAX_KEY_LENGTH} characters`);
	return key;
}

function checked(element: string): string {
	if (!v.is(elementSchema, element)) {
		throw new CrdtInputError(`not an OR-Set element: ${JSON.stringify(element).slice(0, 80)}`);
	}
	return element;
}
