/**
 * The simulator's stand-in for the CRDT store: a grow-only set of short strings ("facts")
 * riding on both application seats of gossip, a few random facts per packet and the whole
 * set on push-pull. It validates what it receives, as a real app must, and its sets must
 * converge on every live node.
 */
import * as v from "valibot";
import type { AppState, Piggyback } from "../app-channel.ts";
import type { NodeId } from "../types.ts";

const FactSchema = v.pipe(v.string(), v.regex(/^\d+:\d+$/));
const FactsSchema = v.pipe(v.array(FactSchema), v.maxLength(100_000));

export class FactApp implements Piggyback, AppState {
	readonly facts = new Set<string>();
	/** Items that failed validation (the sim sends none; tests do). */
	rejected = 0;

	constructor(private readonly random: () => number) {}

	add(fact: string): void {
		this.facts.add(fact);
	}

	take(_to: NodeId, budgetBytes: number): unknown[] {
		const all = [...this.facts];
		const items: string[] = [];
		let used = 0;
		for (let i = 0; i < 3 && all.length > 0; i++) {
			const fact = all[Math.floor(this.random() * all.length)] as string;
			const bytes = fact.length + 3; // quotes and a comma
			if (used + bytes > budgetBytes || items.includes(fact)) continue;
			used += bytes;
			items.push(fact);
		}
		return items;
	}

	receive(_from: NodeId, items: unknown[]): void {
		for (const item of items) {
			const parsed = v.safeParse(FactSchema, item);
			if (parsed.success) this.facts.add(parsed.output);
			else this.rejected++;
		}
	}

	localState(): unknown {
		return [...this.facts].sort();
	}

	mergeRemote(_from: NodeId, state: unknown): void {
		const parsed = v.safeParse(FactsSchema, state);
		if (!parsed.success) {
			this.rejected++;
			return;
		}
		for (const fact of parsed.output) this.facts.add(fact);
	}
}
