import { FrequencySketch } from "./frequency-sketch.ts";
import { HillClimber, type HillClimberOptions } from "./hill-climber.ts";
import { IdLinks, IdQueue, NO_ID } from "./id-lists.ts";
import type { SizedCachePolicy } from "./sized-cache.ts";
import { grownFloat64, grownUint8 } from "./typed-growth.ts";

const ABSENT = 0;
const IN_WINDOW = 1;
const IN_PROBATION = 2;
const IN_PROTECTED = 3;

export interface WTinyLfuOptions {
	/** About how many objects fit: sizes the sketch and the climber's sample (bytes mode). */
	capacityInObjects?: number;
	/** Starting window share of capacity (Caffeine starts at 1%). */
	windowShare?: number;
	/** Share of the main region kept for objects hit again while on probation. */
	protectedShare?: number;
	/** False pins the window at `windowShare` (the classic, non-adaptive W-TinyLFU). */
	adaptive?: boolean;
	climber?: HillClimberOptions;
	/** Sketch sample size as a multiple of capacity in objects (Caffeine: 10). */
	sketchSampleFactor?: number;
}

/**
 * W-TinyLFU with an adaptive window (Einziger, Friedman, Manes; Caffeine). New objects enter a
 * small LRU window; when they leave it they must beat the main region's LRU victim on
 * estimated frequency to get in. The main region is a segmented LRU (probation, protected).
 * A hill climber resizes the window: bigger suits recency-heavy workloads, smaller suits
 * frequency-heavy ones.
 */
export class WTinyLfuCache implements SizedCachePolicy {
	readonly name: string;
	readonly capacity: number;
	readonly sketch: FrequencySketch;
	readonly #climber: HillClimber | undefined;
	readonly #protectedShare: number;
	readonly #links = new IdLinks();
	readonly #window = new IdQueue(this.#links);
	readonly #probation = new IdQueue(this.#links);
	readonly #protected = new IdQueue(this.#links);
	#windowTarget: number;
	#where = new Uint8Array(1024);
	#size = new Float64Array(1024);

	constructor(capacity: number, options: WTinyLfuOptions = {}) {
		this.capacity = capacity;
		const objects = Math.max(1, Math.floor(options.capacityInObjects ?? capacity));
		this.sketch = new FrequencySketch(objects, options.sketchSampleFactor ?? 10);
		this.#protectedShare = options.protectedShare ?? 0.8;
		this.#windowTarget = Math.floor(capacity * (options.windowShare ?? 0.01));
		const adaptive = options.adaptive ?? true;
		this.name = adaptive ? "W-TinyLFU (adaptive)" : "W-TinyLFU";
		this.#climber = adaptive ? new HillClimber(capacity, objects, options.climber) : undefined;
	}

	get used(): number {
		return this.#window.weight + this.#probation.weight + this.#protected.weight;
	}

	/** The window's current size target, in capacity units (for tests and reports). */
	get windowTarget(): number {
		return this.#windowTarget;
	}

	holds(id: number): boolean {
		return (this.#where[id] ?? ABSENT) !== ABSENT;
	}

	request(id: number, size: number): boolean {
		this.#ensure(id);
		this.sketch.increment(id);
		const hit = this.#where[id] !== ABSENT;
		if (hit) this.#onHit(id);
		else if (size <= this.capacity) this.#onMiss(id, size);
		// Samples taken while the cache is still filling say nothing about the window size.
		if (this.#climber !== undefined && this.used >= this.capacity / 2) {
			const adjustment = this.#climber.record(hit);
			if (adjustment > 0) this.#growWindow(adjustment);
			else if (adjustment < 0) this.#shrinkWindow(-adjustment);
		}
		return hit;
	}

	#onHit(id: number): void {
		const size = this.#size[id] as number;
		switch (this.#where[id]) {
			case IN_WINDOW:
				this.#window.remove(id, size);
				this.#window.pushNewest(id, size);
				return;
			case IN_PROTECTED:
				this.#protected.remove(id, size);
				this.#protected.pushNewest(id, size);
				return;
			default:
				this.#probation.remove(id, size);
				this.#protected.pushNewest(id, size);
				this.#where[id] = IN_PROTECTED;
				this.#demoteProtectedOverflow();
		}
	}

	#onMiss(id: number, size: number): void {
		this.#size[id] = size;
		this.#window.pushNewest(id, size);
		this.#where[id] = IN_WINDOW;
		while (this.#window.weight > this.#windowTarget && this.#window.oldest !== NO_ID) {
			const candidate = this.#window.oldest;
			this.#window.remove(candidate, this.#size[candidate] as number);
			this.#offerToMain(candidate);
		}
		// The window may be under its target while main spilled into the room: trim main.
		while (this.used > this.capacity) this.#evict(this.#mainVictim() ?? this.#window.oldest);
	}

	/** A window leaver gets in for free while there is room, else must out-rank the victims. */
	#offerToMain(candidate: number): void {
		const size = this.#size[candidate] as number;
		while (this.used + size > this.capacity) {
			const victim = this.#mainVictim();
			if (victim === undefined || !this.#admits(candidate, victim)) {
				this.#where[candidate] = ABSENT;
				return;
			}
			this.#evict(victim);
		}
		this.#probation.pushNewest(candidate, size);
		this.#where[candidate] = IN_PROBATION;
	}

	#admits(candidate: number, victim: number): boolean {
		return this.sketch.frequency(candidate) > this.sketch.frequency(victim);
	}

	#mainVictim(): number | undefined {
		if (this.#probation.oldest !== NO_ID) return this.#probation.oldest;
		if (this.#protected.oldest !== NO_ID) return this.#protected.oldest;
		return undefined;
	}

	#evict(id: number): void {
		const size = this.#size[id] as number;
		this.#queueOf(id).remove(id, size);
		this.#where[id] = ABSENT;
	}

	#queueOf(id: number): IdQueue {
		const where = this.#where[id];
		if (where === IN_WINDOW) return this.#window;
		if (where === IN_PROBATION) return this.#probation;
		return this.#protected;
	}

	#protectedTarget(): number {
		return this.#protectedShare * (this.capacity - this.#windowTarget);
	}

	#demoteProtectedOverflow(): void {
		const target = this.#protectedTarget();
		while (this.#protected.weight > target && this.#protected.oldest !== NO_ID) {
			const id = this.#protected.oldest;
			const size = this.#size[id] as number;
			this.#protected.remove(id, size);
			this.#probation.pushNewest(id, size);
			this.#where[id] = IN_PROBATION;
		}
	}

	/** Moves main's least valuable objects into the window: no eviction, just new roles. */
	#growWindow(amount: number): void {
		const quota = Math.min(amount, this.capacity - this.#windowTarget);
		this.#windowTarget += quota;
		let moved = 0;
		while (moved < quota) {
			const id = this.#mainVictim();
			if (id === undefined) break;
			const size = this.#size[id] as number;
			if (moved + size > quota) break;
			this.#queueOf(id).remove(id, size);
			this.#window.pushNewest(id, size);
			this.#where[id] = IN_WINDOW;
			moved += size;
		}
	}

	/** Hands the window's oldest objects to probation, without an admission test. */
	#shrinkWindow(amount: number): void {
		const quota = Math.min(amount, this.#windowTarget);
		this.#windowTarget -= quota;
		while (this.#window.weight > this.#windowTarget && this.#window.oldest !== NO_ID) {
			const id = this.#window.oldest;
			const size = this.#size[id] as number;
			this.#window.remove(id, size);
			this.#probation.pushNewest(id, size);
			this.#where[id] = IN_PROBATION;
		}
		this.#demoteProtectedOverflow();
	}

	#ensure(id: number): void {
		this.#links.ensure(id);
		this.#where = grownUint8(this.#where, id);
		this.#size = grownFloat64(this.#size, id);
	}
}
