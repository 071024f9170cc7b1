/**
 * What a member says about its own Raft state as it changes: DEBUG when an election starts
 * or is lost, INFO when leadership changes (this node leads, follows a new leader, or knows
 * none) and when the configuration in force changes. Pure: the member compares what it saw
 * before a step or tick with what it sees after and logs the lines this returns.
 */
import type { LogLevel } from "../transport/log.ts";

export interface RoleView {
	readonly role: string;
	readonly term: number;
	readonly leader: number;
	readonly voters: readonly number[];
	readonly learners: readonly number[];
}

export interface RoleEvent {
	readonly level: LogLevel;
	readonly text: string;
}

export function roleEvents(before: RoleView, after: RoleView): RoleEvent[] {
	const events: RoleEvent[] = [];
	if (after.role !== before.role || after.term !== before.term) {
		if (after.role === "preCandidate") {
			events.push({ level: "debug", text: `pre-vote for term ${after.term + 1}` });
		} else if (after.role === "candidate") {
			events.push({ level: "debug", text: `campaigning in term ${after.term}` });
		}
	}
	if (after.leader !== before.leader || (after.role === "leader") !== (before.role === "leader")) {
		if (after.role === "leader") {
			events.push({ level: "info", text: `became leader in term ${after.term}` });
		} else if (after.leader !== 0) {
			events.push({ level: "info", text: `leader is ${after.leader} in term ${after.term}` });
		} else if (before.leader !== 0) {
			events.push({ level: "info", text: `lost leader ${before.leader} (term ${after.term})` });
		}
	}
	if (!sameIds(before.voters, after.voters) || !sameIds(before.learners, after.learners)) {
		events.push({
			level: "info",
			text: `members now voters [${after.voters.join(",")}] learners [${after.learners.join(",")}]`,
		});
	}
	return events;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
	return a.length === b.length && a.every((id, i) => id === b[i]);
}
