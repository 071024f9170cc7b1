/** Four rows of counters; each key has one counter per row and its estimate is the smallest. */
const ROWS = 4;
const COUNTERS_PER_WORD = 8;
const MAX_COUNT = 15;
/** Keeps the low 3 bits of every nibble after a right shift: halves all 8 counters at once. */
const HALVING_MASK = 0x77777777;
const ROW_SEEDS = [0x97cb3127, 0x0ba3f3cd, 0x4f0c1c6b, 0xd6e8feb8] as const;

/**
 * Count-min sketch with 4-bit counters, for TinyLFU admission. Counters saturate at 15 and
 * every `sampleSize` increments all of them are halved, so popularity ages: a key hot an hour
 * ago does not keep out keys hot now. 4 bits are enough because admission only compares.
 */
export class FrequencySketch {
	readonly sampleSize: number;
	readonly #words: Uint32Array;
	readonly #rowMask: number;
	readonly #wordsPerRow: number;
	#increments = 0;

	/** `expectedKeys`: about how many keys the cache holds; sizes the table and the sample. */
	constructor(expectedKeys: number, sampleFactor = 10) {
		let countersPerRow = 16;
		while (countersPerRow < expectedKeys) countersPerRow *= 2;
		this.#rowMask = countersPerRow - 1;
		this.#wordsPerRow = countersPerRow / COUNTERS_PER_WORD;
		this.#words = new Uint32Array(this.#wordsPerRow * ROWS);
		this.sampleSize = Math.max(16, Math.floor(sampleFactor * expectedKeys));
	}

	/** Estimated recent requests for the key, 0..15. */
	frequency(keyHash: number): number {
		let smallest = MAX_COUNT;
		for (let row = 0; row < ROWS; row++) {
			const count = this.#counter(row, keyHash);
			if (count < smallest) smallest = count;
		}
		return smallest;
	}

	increment(keyHash: number): void {
		let grew = false;
		for (let row = 0; row < ROWS; row++) {
			const index = this.#index(row, keyHash);
			const word = this.#wordOf(row, index);
			const shift = (index % COUNTERS_PER_WORD) * 4;
			const value = this.#words[word] as number;
			if (((value >>> shift) & MAX_COUNT) < MAX_COUNT) {
				this.#words[word] = (value + (1 << shift)) >>> 0;
				grew = true;
			}
		}
		// Saturated keys do not advance the clock, as in Caffeine: aging follows real growth.
		if (grew && ++this.#increments >= this.sampleSize) this.halve();
	}

	/** Halves every counter (the periodic aging step); public so tests can force it. */
	halve(): void {
		const words = this.#words;
		for (let i = 0; i < words.length; i++) words[i] = ((words[i] as number) >>> 1) & HALVING_MASK;
		this.#increments = Math.floor(this.#increments / 2);
	}

	#counter(row: number, keyHash: number): number {
		const index = this.#index(row, keyHash);
		const value = this.#words[this.#wordOf(row, index)] as number;
		return (value >>> ((index % COUNTERS_PER_WORD) * 4)) & MAX_COUNT;
	}

	#wordOf(row: number, index: number): number {
		return row * this.#wordsPerRow + Math.floor(index / COUNTERS_PER_WORD);
	}

	/** A different well-mixed hash per row, so two keys rarely collide in all four rows. */
	#index(row: number, keyHash: number): number {
		let h = Math.imul(keyHash ^ (ROW_SEEDS[row] as number), 0x85ebca6b);
		h ^= h >>> 13;
		h = Math.imul(h, 0xc2b2ae35);
		h ^= h >>> 16;
		return h & this.#rowMask;
	}
}
