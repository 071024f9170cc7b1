/**
 * The simulated network: every send may be dropped, duplicated and delayed by a random
 * amount (so messages reorder), and directed links can be cut (a symmetric partition cuts
 * both directions, a one-way partition one). Links heal when the simulator says so.
 */
import type { EventQueue } from "./event-queue.ts";
import type { Prng } from "./prng.ts";

export interface NetworkFaults {
	/** Chance a send is lost. */
	drop: number;
	/** Chance a delivered send arrives twice (each copy with its own delay). */
	duplicate: number;
	/** Delays are uniform in [minDelay, maxDelay] time units... */
	minDelay: number;
	maxDelay: number;
	/** ...except this share, delayed up to `longDelay` (a slow path, a stuck queue). */
	longDelayChance: number;
	longDelay: number;
}

export interface NetworkStats {
	sent: number;
	dropped: number;
	duplicated: number;
	cut: number;
}

export class Network {
	readonly stats: NetworkStats = { sent: 0, dropped: 0, duplicated: 0, cut: 0 };
	private readonly cutLinks = new Set<string>();

	constructor(
		private readonly queue: EventQueue,
		private readonly rng: Prng,
		public faults: NetworkFaults,
	) {}

	/** Sends from `from` to `to`; `deliver` runs on arrival (once per copy). */
	send(from: number, to: number, deliver: () => void): void {
		this.stats.sent++;
		if (this.cutLinks.has(linkKey(from, to))) {
			this.stats.cut++;
			return;
		}
		if (this.rng.chance(this.faults.drop)) {
			this.stats.dropped++;
			return;
		}
		const copies = this.rng.chance(this.faults.duplicate) ? 2 : 1;
		if (copies === 2) this.stats.duplicated++;
		for (let i = 0; i < copies; i++) this.queue.after(this.delay(), deliver);
	}

	/**
	 * Cuts every link from a node in `side` to one outside it, both ways unless `oneWay`;
	 * returns the links it cut, for `heal`.
	 */
	partition(side: readonly number[], all: readonly number[], oneWay: boolean): string[] {
		const cut: string[] = [];
		for (const a of side) {
			for (const b of all) {
				if (side.includes(b)) continue;
				cut.push(linkKey(a, b));
				if (!oneWay) cut.push(linkKey(b, a));
			}
		}
		for (const link of cut) this.cutLinks.add(link);
		return cut;
	}

	/** Restores links a partition cut (others stay cut). */
	heal(links: readonly string[]): void {
		for (const link of links) this.cutLinks.delete(link);
	}

	cut(from: number, to: number): void {
		this.cutLinks.add(linkKey(from, to));
	}

	healAll(): void {
		this.cutLinks.clear();
	}

	isCut(from: number, to: number): boolean {
		return this.cutLinks.has(linkKey(from, to));
	}

	private delay(): number {
		const f = this.faults;
		if (this.rng.chance(f.longDelayChance)) return this.rng.int(f.maxDelay, f.longDelay);
		return this.rng.int(f.minDelay, f.maxDelay);
	}
}

function linkKey(from: number, to: number): string {
	return `${from}>${to}`;
}
