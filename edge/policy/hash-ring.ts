/**
 * A FIFO of 32-bit hashes in a ring of typed-array slots that doubles when a push finds it
 * full: the eviction order of the policies' ghosts (key-ghost.ts, shadow-s3-fifo.ts), which
 * decide themselves when to drop the oldest instead of letting it grow.
 */
export class HashRing {
	#ring: Uint32Array<ArrayBuffer>;
	#start = 0;
	#length = 0;

	constructor(slots: number) {
		this.#ring = new Uint32Array(slots);
	}

	/** Hashes held. */
	get length(): number {
		return this.#length;
	}

	/** Slots the ring has now: a push beyond them doubles it. */
	get slots(): number {
		return this.#ring.length;
	}

	push(hash: number): void {
		if (this.#length === this.#ring.length) this.#resize(this.#ring.length * 2);
		this.#ring[(this.#start + this.#length) % this.#ring.length] = hash;
		this.#length++;
	}

	/** Takes out the oldest hash; call only when length > 0. */
	shift(): number {
		const hash = this.#ring[this.#start] as number;
		this.#start = (this.#start + 1) % this.#ring.length;
		this.#length--;
		return hash;
	}

	/** A ring of its own holding the same hashes in the same slots. */
	copy(): HashRing {
		const twin = new HashRing(0);
		twin.#ring = this.#ring.slice();
		twin.#start = this.#start;
		twin.#length = this.#length;
		return twin;
	}

	/** Keeps, in order, the hashes `keep` accepts; hands each other one to `dropped`. */
	retain(keep: (hash: number) => boolean, dropped: (hash: number) => void): void {
		const ring = new Uint32Array(this.#ring.length);
		let kept = 0;
		for (let i = 0; i < this.#length; i++) {
			const hash = this.#ring[(this.#start + i) % this.#ring.length] as number;
			if (keep(hash)) ring[kept++] = hash;
			else dropped(hash);
		}
		this.#ring = ring;
		this.#start = 0;
		this.#length = kept;
	}

	#resize(slots: number): void {
		const ring = new Uint32Array(slots);
		for (let i = 0; i < this.#length; i++)
			ring[i] = this.#ring[(this.#start + i) % this.#ring.length] as number;
		this.#ring = ring;
		this.#start = 0;
	}
}
