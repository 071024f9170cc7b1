/**
 * Lifeguard's local health multiplier (memberlist's awareness.go). A node that misses acks
 * it should have got, or nacks its helpers should have sent, or hears itself suspected, is
 * more likely slow itself than surrounded by dead peers: it raises its score and stretches
 * its own probe timeouts and intervals by (score + 1), so an overloaded node does not
 * declare healthy peers dead. Successful probes lower it again.
 */
export class Awareness {
	#score = 0;

	constructor(readonly max: number) {}

	get score(): number {
		return this.#score;
	}

	apply(delta: number): void {
		this.#score = Math.min(this.max, Math.max(0, this.#score + delta));
	}

	scale(ms: number): number {
		return ms * (this.#score + 1);
	}
}
