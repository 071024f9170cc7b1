/**
 * Leadership transfer (Raft thesis §3.10), the leader's side of it: which voter it hands
 * over to, and for how long it keeps trying. While a transfer is on, the leader accepts no
 * proposals (they would have to be sent to the target again, and could keep it from ever
 * catching up); it brings the target's log up to date, then sends it `timeoutNow`, and the
 * target campaigns at once. A transfer that has not ended within an election timeout is
 * abandoned and the leader takes proposals again.
 */
import type { MembershipConfig } from "./membership.ts";
import { NONE, type NodeId } from "./messages.ts";

export type TransferResult =
	| { readonly ok: true }
	| { readonly ok: false; readonly reason: "notLeader"; readonly leader: NodeId }
	| { readonly ok: false; readonly reason: "invalid"; readonly message: string };

/** Why `target` cannot take over from `self` under `config`, or undefined if it can. */
export function transferRefusal(
	config: MembershipConfig,
	self: NodeId,
	target: NodeId,
): string | undefined {
	if (config.voters.includes(target)) return undefined;
	if (config.learners.includes(target)) {
		return `node ${target} is a learner: only a voter can lead (promote it first)`;
	}
	if (target === self) return `node ${target} is leaving the cluster`;
	return `node ${target} is not a member`;
}

export class LeaderTransfer {
	/** The voter being handed leadership, or NONE. */
	target: NodeId = NONE;
	/** Set once timeoutNow went out: the target has everything and was told to campaign. */
	timeoutSent = false;
	private elapsed = 0;

	get active(): boolean {
		return this.target !== NONE;
	}

	start(target: NodeId): void {
		this.target = target;
		this.timeoutSent = false;
		this.elapsed = 0;
	}

	stop(): void {
		this.target = NONE;
		this.timeoutSent = false;
		this.elapsed = 0;
	}

	/** A leader tick; true if the transfer just ran out of time (and was stopped). */
	tick(electionTicks: number): boolean {
		if (!this.active) return false;
		this.elapsed++;
		if (this.elapsed < electionTicks) return false;
		this.stop();
		return true;
	}
}
