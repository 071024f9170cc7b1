import type { EvictionPolicy } from "./eviction.ts";
import type { SizedCachePolicy } from "./sized-cache.ts";
import { grownFloat64, grownUint8 } from "./typed-growth.ts";

/**
 * Runs a tier's EvictionPolicy (LRU, CLOCK) as a SizedCachePolicy: admits every object that
 * fits and evicts the policy's first candidates until it does. This is how the memory tier
 * uses those policies, so a replay through it measures the tier's real ranking.
 */
export class RankedCache implements SizedCachePolicy {
	readonly name: string;
	readonly capacity: number;
	used = 0;
	readonly #policy: EvictionPolicy;
	#held = new Uint8Array(1024);
	#size = new Float64Array(1024);

	constructor(policy: EvictionPolicy, capacity: number, name = policy.name.toUpperCase()) {
		this.#policy = policy;
		this.capacity = capacity;
		this.name = name;
		// The policy's tables must cover every id this cache hands it, from the start.
		policy.grow(this.#held.length);
	}

	holds(id: number): boolean {
		return this.#held[id] === 1;
	}

	request(id: number, size: number): boolean {
		this.#ensure(id);
		if (this.#held[id] === 1) {
			this.#policy.accessed(id);
			return true;
		}
		if (size > this.capacity) return false;
		while (this.used + size > this.capacity) {
			const victim = this.#policy.nextVictim(-1);
			if (victim === -1) break;
			this.#policy.removed(victim, victim);
			this.#held[victim] = 0;
			this.used -= this.#size[victim] as number;
		}
		this.#held[id] = 1;
		this.#size[id] = size;
		this.used += size;
		this.#policy.inserted(id, id); // trace ids are stable, so the id is its own key identity
		return false;
	}

	#ensure(id: number): void {
		if (id < this.#held.length) return;
		this.#held = grownUint8(this.#held, id);
		this.#size = grownFloat64(this.#size, id);
		this.#policy.grow(this.#held.length);
	}
}
