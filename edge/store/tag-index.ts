/**
 * The memory tier's purge-tag index: tag -> the ids of the entries stored under it. Tags
 * are often unique to one object (`product-123`), and a Set per such tag costs JSC a few
 * hundred bytes: a tag with one entry keeps that entry's id alone, and becomes a Set at its
 * second. The entries' own tags are not kept here: they are in each slot's metadata
 * (meta-codec.ts), read back when an entry leaves.
 */

/**
 * Heap bytes charged against the tier's capacity for an entry's tags: what its index
 * memberships and the tag strings cost (measured about 60 bytes a membership plus the
 * characters). Charged whether or not another entry shares the tag, so the charge does not
 * depend on the order entries come and go.
 */
export const TAG_MEMBERSHIP_COST = 64;

export function tagCharge(tags: readonly string[]): number {
	let bytes = 0;
	for (const tag of tags) bytes += TAG_MEMBERSHIP_COST + tag.length;
	return bytes;
}

export class TagIndex {
	readonly #ids = new Map<string, number | Set<number>>();

	get size(): number {
		return this.#ids.size;
	}

	add(tag: string, id: number): void {
		const held = this.#ids.get(tag);
		if (held === undefined) this.#ids.set(tag, id);
		else if (typeof held === "number") {
			if (held !== id) this.#ids.set(tag, new Set([held, id]));
		} else held.add(id);
	}

	delete(tag: string, id: number): void {
		const held = this.#ids.get(tag);
		if (held === undefined) return;
		if (typeof held === "number") {
			if (held === id) this.#ids.delete(tag);
			return;
		}
		held.delete(id);
		// Back to a bare id at one member: a tag shared once need not keep its Set.
		if (held.size === 1) this.#ids.set(tag, held.values().next().value as number);
		else if (held.size === 0) this.#ids.delete(tag);
	}

	/** The ids under `tag`, as a new array. */
	ids(tag: string): number[] {
		const held = this.#ids.get(tag);
		if (held === undefined) return [];
		return typeof held === "number" ? [held] : [...held];
	}
}
