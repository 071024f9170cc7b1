/**
 * A memory tier's `yieldBetweenSlices` that the test drives: a sweep waits at each slice
 * boundary until step() lets it read its next slice.
 */
export class SliceGate {
	#waiting: (() => void)[] = [];

	readonly yieldBetweenSlices = (): Promise<void> =>
		new Promise((resolve) => this.#waiting.push(resolve));

	/** Sweeps waiting at a slice boundary. */
	get waiting(): number {
		return this.#waiting.length;
	}

	/**
	 * Lets every waiting sweep read one more slice, and returns once each has reached its
	 * next boundary or its end: their continuations are microtasks, all run before a timer.
	 */
	async step(): Promise<void> {
		for (const resume of this.#waiting.splice(0)) resume();
		await new Promise((resolve) => setTimeout(resolve, 0));
	}

	/** Steps until no sweep waits; throws if that takes more than `limit` steps. */
	async runToEnd(limit = 1000): Promise<void> {
		for (let steps = 0; this.#waiting.length > 0; steps++) {
			if (steps === limit) throw new Error(`sweeps still waiting after ${limit} slices`);
			await this.step();
		}
	}
}
