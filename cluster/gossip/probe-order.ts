/**
 * Which member to probe next: SWIM's round-robin over a shuffled list, so every member is
 * probed once per round (a crashed member is found within two rounds by every node) while
 * the order differs from node to node and round to round. Randomness injected.
 */
import type { NodeId } from "./types.ts";

export class ProbeOrder {
	#order: NodeId[] = [];
	#at = 0;

	constructor(private readonly random: () => number) {}

	/** Adds a new member at a random place among those not yet probed this round. */
	add(id: NodeId): void {
		if (this.#order.includes(id)) return;
		const at = this.#at + Math.floor(this.random() * (this.#order.length - this.#at + 1));
		this.#order.splice(at, 0, id);
	}

	/**
	 * The next member for which `probeable` holds, reshuffling `candidates` when a round ends;
	 * undefined when nobody is probeable.
	 */
	next(candidates: readonly NodeId[], probeable: (id: NodeId) => boolean): NodeId | undefined {
		for (let attempts = 0; attempts < 2; attempts++) {
			while (this.#at < this.#order.length) {
				const id = this.#order[this.#at++] as NodeId;
				if (probeable(id)) return id;
			}
			this.#order = shuffle([...candidates], this.random);
			this.#at = 0;
		}
		return undefined;
	}
}

/** Fisher-Yates with the injected random source. */
export function shuffle<T>(items: T[], random: () => number): T[] {
	for (let i = items.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[items[i], items[j]] = [items[j] as T, items[i] as T];
	}
	return items;
}
