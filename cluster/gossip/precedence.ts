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

export function judge(update: Update, current: Member | undefined): Verdict {
	if (current === undefined) {
		// Only an alive update tells us enough (an address) to add a member.
		return update.t === "alive" ? "apply" : "ignore";
	}
	const held = current.incarnation;
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
