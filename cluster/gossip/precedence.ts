/**
 * SWIM's precedence rules: whether an update about a member replaces what we hold. Higher
 * incarnations win; at equal incarnation the worse news wins (suspect over alive, dead and
 * left over both), so only the member itself can clear a suspicion, by raising its
 * incarnation. Pure.
 */
import type { Update } from "./messages.ts";
import type { Member } from "./types.ts";

export type Verdict =
	/** Take the update: the row changes. */
	| "apply"
	/** Same suspicion from another node: counts toward shortening the timeout. */
	| "confirm"
	/** Old or weaker news: drop it, and do not pass it on. */
	| "ignore";

/**
 * The furthest an update may move a known member's incarnation in one step. Legitimate
 * jumps are a refutation (+1), a metadata change (+1) or a restart at the boot time in
 * seconds (+ the downtime): far below 2^32. Without a bound, one update at 2^53 - 1 (the
 * largest the schema lets through) pins the member where no alive can ever outrank it: its
 * refutation would need 2^53, which every peer's schema refuses, so it is dead for good.
 */
export const MAX_INCARNATION_STEP = 2 ** 32;

/** Whether `inc` is within one plausible step of `held` (see MAX_INCARNATION_STEP). */
export function plausibleIncarnation(inc: number, held: number): boolean {
	return inc <= held + MAX_INCARNATION_STEP && inc < Number.MAX_SAFE_INTEGER;
}

export function judge(update: Update, current: Member | undefined): Verdict {
	if (current === undefined) {
		// Only an alive update tells us enough (an address) to add a member.
		return update.t === "alive" ? "apply" : "ignore";
	}
	const held = current.incarnation;
	if (!plausibleIncarnation(update.inc, held)) return "ignore";
	switch (update.t) {
		case "alive":
			return update.inc > held ? "apply" : "ignore";
		case "suspect":
			if (current.state === "dead" || current.state === "left") return "ignore";
			if (current.state === "suspect") {
				if (update.inc > held) return "apply";
				return update.inc === held ? "confirm" : "ignore";
			}
			return update.inc >= held ? "apply" : "ignore";
		case "dead":
			if (current.state === "dead" || current.state === "left") return "ignore";
			return update.inc >= held ? "apply" : "ignore";
		case "left":
			if (current.state === "left") return "ignore";
			return update.inc >= held ? "apply" : "ignore";
	}
}
