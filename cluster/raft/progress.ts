/**
 * What a leader knows of one follower: `match` (highest index known replicated), `next`
 * (next index to send), and flow control. In `probe` a single append is outstanding until
 * the follower answers (or a heartbeat answer resumes it); in `replicate` appends are sent
 * optimistically, at most `maxInflight` batches unacknowledged. In `snapshot` the follower
 * needs entries the leader compacted: no appends, only the snapshot's chunks, until the
 * follower answers that it installed it.
 */
export type ProgressState = "probe" | "replicate" | "snapshot";

/** Snapshot only: which snapshot goes to the follower and how far. */
export interface SnapshotTransfer {
	/** The snapshot's index. */
	readonly index: number;
	/** Where the next chunk starts. */
	next: number;
	/** How much the follower confirmed holding. */
	acked: number;
	/** The last chunk went out (and is not known lost). */
	allSent: boolean;
}

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
	/** The leader's heartbeat round when the last append (or chunk) went to this follower. */
	appendRound = 0;
	/** Snapshot only: the transfer in progress. */
	transfer: SnapshotTransfer | undefined;

	constructor(
		next: number,
		private readonly maxInflight: number,
	) {
		this.next = next;
	}

	/** No append may go now (in snapshot, none may until the snapshot is installed). */
	isPaused(): boolean {
		if (this.state === "snapshot") return true;
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
		if (this.state === "snapshot") return false; // an answer to an append from before it
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
		this.transfer = undefined;
		this.next = this.match + 1;
	}

	becomeReplicate(): void {
		this.state = "replicate";
		this.inflight.length = 0;
		this.transfer = undefined;
		this.next = this.match + 1;
	}

	/** Starts sending snapshot `index` from its first chunk. */
	becomeSnapshot(index: number): void {
		this.state = "snapshot";
		this.probeSent = false;
		this.inflight.length = 0;
		this.transfer = { index, next: 0, acked: 0, allSent: false };
	}

	/**
	 * The follower's answer to a chunk of snapshot `index`: it holds `offset`. A reject
	 * rewinds to it (the follower lost or never got what came before); otherwise it only
	 * moves the acknowledged mark forward (answers can arrive out of order).
	 */
	chunkAnswered(index: number, offset: number, reject: boolean): boolean {
		const transfer = this.transfer;
		if (this.state !== "snapshot" || transfer === undefined || transfer.index !== index) {
			return false;
		}
		if (reject) {
			transfer.acked = offset;
			transfer.next = offset;
			transfer.allSent = false;
		} else if (offset > transfer.acked) {
			transfer.acked = offset;
			if (transfer.next < offset) transfer.next = offset;
		}
		return true;
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
		if (this.transfer !== undefined) {
			// Chunks (or the answer to the last) went missing: resend what is unconfirmed.
			this.transfer.next = this.transfer.acked;
			this.transfer.allSent = false;
		} else if (this.state === "probe") this.probeSent = false;
		else this.becomeProbe();
	}

	private freeTo(index: number): void {
		let n = 0;
		while (n < this.inflight.length && (this.inflight[n] as number) <= index) n++;
		this.inflight.splice(0, n);
	}
}
