/**
 * The memory tier's name -> ids indexes: purge tags (the ids stored under each tag) and key
 * families (key-families.ts). A name is often held by one entry (`product-123`, a URL with
 * one variant), and a Set per such name costs JSC a few hundred bytes: a name with one entry
 * keeps that entry's id alone, and becomes a Set at its second. The entries' own names are
 * not kept here: the caller reads them back from the entry when it leaves.
 */
export class IdMultimap {
	readonly #ids = new Map<string, number | Set<number>>();

	get size(): number {
		return this.#ids.size;
	}

	add(name: string, id: number): void {
		const held = this.#ids.get(name);
		if (held === undefined) this.#ids.set(name, id);
		else if (typeof held === "number") {
			if (held !== id) this.#ids.set(name, new Set([held, id]));
		} else held.add(id);
	}

	delete(name: string, id: number): void {
		const held = this.#ids.get(name);
		if (held === undefined) return;
		if (typeof held === "number") {
			if (held === id) this.#ids.delete(name);
			return;
		}
		held.delete(id);
		// Back to a bare id at one member: a name shared once need not keep its Set.
		if (held.size === 1) this.#ids.set(name, held.values().next().value as number);
		else if (held.size === 0) this.#ids.delete(name);
	}

	/** The ids under `name`, as a new array. */
	ids(name: string): number[] {
		const held = this.#ids.get(name);
		if (held === undefined) return [];
		return typeof held === "number" ? [held] : [...held];
	}
}
