/**
 * What a leader knows of one follower: `match` (highest index known replicated), `next`
 * (next index to send), and flow control. In `probe` a single append is outstanding until
 * the follower answers (or a heartbeat answer resumes it); in `replicate` appends are sent
 * optimistically, at most `maxInflight` batches unacknowledged.
 */
export type ProgressState = "probe" | "replicate";

export class Progress {
	match = 0;
	next: number;
	state: ProgressState = "probe";
	/** Probe only: an append is outstanding. */
	probeSent = false;
	/** Replicate only: the last index of every unacknowledged batch, ascending. */
	readonly inflight: number[] = [];
	/** Heard from since the leader's last CheckQuorum round. */
	recentActive = false;
	/** The commit index carried by the last append sent (so a newer one is worth sending). */
	commitSent = 0;
	/** The highest heartbeat round this follower has answered. */
	ackedRound = 0;
	/** The leader's heartbeat round when the last append went to this follower. */
	appendRound = 0;

	constructor(
		next: number,
		private readonly maxInflight: number,
	) {
		this.next = next;
	}

	isPaused(): boolean {
		return this.state === "probe" ? this.probeSent : this.inflight.length >= this.maxInflight;
	}

	/** Records an append just sent, its entries ending at `lastIndex` (none if `count` is 0). */
	sent(lastIndex: number, count: number): void {
		if (this.state === "probe") {
			this.probeSent = true;
		} else if (count > 0) {
			this.next = lastIndex + 1;
			this.inflight.push(lastIndex);
		}
	}

	/** A success for `index`; false if it tells nothing new (stale or duplicate). */
	update(index: number): boolean {
		this.probeSent = false;
		this.freeTo(index);
		if (index <= this.match) return false;
		this.match = index;
		if (this.next <= index) this.next = index + 1;
		return true;
	}

	/**
	 * A reject of the append after `rejected`; `hinted` is where the follower's hint says to
	 * resume. False if the reject is stale. Resumes in probe from a next index between
	 * match + 1 and `rejected`.
	 */
	rejectedAt(rejected: number, hinted: number): boolean {
		if (this.state === "replicate") {
			if (rejected <= this.match) return false;
		} else if (rejected !== this.next - 1) {
			return false;
		}
		this.becomeProbe();
		this.next = Math.max(this.match + 1, Math.min(hinted, rejected));
		return true;
	}

	becomeProbe(): void {
		this.state = "probe";
		this.probeSent = false;
		this.inflight.length = 0;
		this.next = this.match + 1;
	}

	becomeReplicate(): void {
		this.state = "replicate";
		this.inflight.length = 0;
		this.next = this.match + 1;
	}

	/**
	 * The follower answered heartbeat round `round`. If that heartbeat left after the last
	 * append and the append is still unanswered, it (or its answer) was most likely lost:
	 * unpause. A full window in replicate probes again from match + 1, which resends the
	 * lost entries (duplicates are harmless) rather than skipping ahead and leaving a gap.
	 * An append merely slower than a heartbeat (a slow disk) is left alone.
	 */
	heartbeatAnswered(round: number): void {
		if (round > this.ackedRound) this.ackedRound = round;
		if (!this.isPaused() || round <= this.appendRound) return;
		if (this.state === "probe") this.probeSent = false;
		else this.becomeProbe();
	}

	private freeTo(index: number): void {
		let n = 0;
		while (n < this.inflight.length && (this.inflight[n] as number) <= index) n++;
		this.inflight.splice(0, n);
	}
}
