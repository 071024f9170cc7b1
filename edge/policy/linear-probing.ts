/**
 * The probing core of the policies' open-addressing tables (hash-counts.ts, id-hash-map.ts,
 * and shadow-s3-fifo.ts's slot index): a table of 2^bits slots, Fibonacci hashing to a home
 * slot, linear probing, backward-shift deletion, at most half full so a probe always meets
 * an empty slot. Plain functions over the typed arrays each table owns, rather than a generic
 * class: every caller passes a Uint32Array of keys, so the loops stay monomorphic, and no
 * closure or call through an object sits in them (the tier's hit path reaches findSlot).
 */

/** What slotToFill answers when nothing later in the probe run may fill the hole. */
export const NO_SLOT = -1;

/** Fibonacci hashing: the top bits of a multiplicative mix, well spread for any input. */
export function homeSlot(key: number, bits: number): number {
	return Math.imul(key, 0x9e3779b1) >>> (32 - bits);
}

/**
 * Whether the member at `next`, whose home slot is `home`, may move back into the hole at
 * `hole`: not if its home lies after the hole, up to `next` itself (cyclically), since that
 * would put it before its home where no probe for it looks.
 */
export function mayFillHole(hole: number, next: number, home: number): boolean {
	return hole <= next ? !(home > hole && home <= next) : !(home > hole || home <= next);
}

/** The slot holding `key`, or the empty slot where it would go. */
export function findSlot(keys: Uint32Array, bits: number, key: number, empty: number): number {
	const mask = keys.length - 1;
	let slot = homeSlot(key, bits);
	for (;;) {
		const held = keys[slot] as number;
		if (held === key || held === empty) return slot;
		slot = (slot + 1) & mask;
	}
}

/**
 * Backward-shift deletion, one step: the first slot after `hole`, in its probe run, whose
 * member may move into the hole; NO_SLOT when the run ends first. The caller moves that
 * member (key and value) into the hole, takes its old slot as the new hole and asks again;
 * on NO_SLOT it empties the hole.
 */
export function slotToFill(keys: Uint32Array, bits: number, hole: number, empty: number): number {
	const mask = keys.length - 1;
	for (let next = (hole + 1) & mask; keys[next] !== empty; next = (next + 1) & mask) {
		if (mayFillHole(hole, next, homeSlot(keys[next] as number, bits))) return next;
	}
	return NO_SLOT;
}

/** Key slots for a table of 2^bits, every one empty. */
export function emptyKeys(bits: number, empty: number): Uint32Array<ArrayBuffer> {
	const keys = new Uint32Array(1 << bits);
	if (empty !== 0) keys.fill(empty);
	return keys;
}

/**
 * Moves every member of a table into a larger one's arrays (emptied beforehand), values with
 * their keys. Growth only: the values may be of either width, as nothing here is hot.
 */
export function reinsertAll(
	oldKeys: Uint32Array,
	oldValues: Uint16Array | Uint32Array,
	keys: Uint32Array,
	values: Uint16Array | Uint32Array,
	bits: number,
	empty: number,
): void {
	for (let i = 0; i < oldKeys.length; i++) {
		const key = oldKeys[i] as number;
		if (key === empty) continue;
		const slot = findSlot(keys, bits, key, empty);
		keys[slot] = key;
		values[slot] = oldValues[i] as number;
	}
}
