/**
 * A small seeded PRNG for the simulator: xoshiro128** (Blackman and Vigna), its 128-bit
 * state filled from a 32-bit seed by splitmix32. Same seed, same sequence, on every runtime.
 */

function splitmix32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x9e3779b9) >>> 0;
		let z = state;
		z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
		z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
		return (z ^ (z >>> 16)) >>> 0;
	};
}

function rotl(x: number, k: number): number {
	return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Prng {
	private s0: number;
	private s1: number;
	private s2: number;
	private s3: number;

	constructor(seed: number) {
		const next = splitmix32(seed);
		this.s0 = next();
		this.s1 = next();
		this.s2 = next();
		this.s3 = next();
		if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
	}

	/** The next 32 random bits, as an unsigned integer. */
	nextUint32(): number {
		const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
		const t = (this.s1 << 9) >>> 0;
		this.s2 = (this.s2 ^ this.s0) >>> 0;
		this.s3 = (this.s3 ^ this.s1) >>> 0;
		this.s1 = (this.s1 ^ this.s2) >>> 0;
		this.s0 = (this.s0 ^ this.s3) >>> 0;
		this.s2 = (this.s2 ^ t) >>> 0;
		this.s3 = rotl(this.s3, 11);
		return result;
	}

	/** Uniform in [0, 1). */
	next(): number {
		return this.nextUint32() / 4_294_967_296;
	}

	/** Uniform integer in [lo, hi] (both included). */
	int(lo: number, hi: number): number {
		return lo + Math.floor(this.next() * (hi - lo + 1));
	}

	chance(p: number): boolean {
		return this.next() < p;
	}

	pick<T>(items: readonly T[]): T {
		if (items.length === 0) throw new Error("pick from an empty list");
		return items[Math.floor(this.next() * items.length)] as T;
	}

	/** An independent generator seeded from this one (one per node, network, client...). */
	fork(): Prng {
		return new Prng(this.nextUint32());
	}
}
