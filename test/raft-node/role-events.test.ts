import { describe, expect, test } from "bun:test";
import { type RoleView, roleEvents } from "../../cluster/raft-node/role-events.ts";

const follower: RoleView = {
	role: "follower",
	term: 3,
	leader: 1,
	voters: [1, 2, 3],
	learners: [],
};

describe("a member's role events", () => {
	test("nothing changed: nothing said", () => {
		expect(roleEvents(follower, { ...follower })).toEqual([]);
	});

	test("elections are DEBUG, winning one is INFO", () => {
		const pre = { ...follower, role: "preCandidate", leader: 0 };
		expect(roleEvents(follower, pre)).toEqual([
			{ level: "debug", text: "pre-vote for term 4" },
			{ level: "info", text: "lost leader 1 (term 3)" },
		]);
		const candidate = { ...pre, role: "candidate", term: 4 };
		expect(roleEvents(pre, candidate)).toEqual([{ level: "debug", text: "campaigning in term 4" }]);
		const leader = { ...candidate, role: "leader", leader: 2 };
		expect(roleEvents(candidate, leader)).toEqual([
			{ level: "info", text: "became leader in term 4" },
		]);
	});

	test("following a new leader and membership changes are INFO", () => {
		expect(roleEvents(follower, { ...follower, term: 4, leader: 3 })).toEqual([
			{ level: "info", text: "leader is 3 in term 4" },
		]);
		expect(roleEvents(follower, { ...follower, learners: [4] })).toEqual([
			{ level: "info", text: "members now voters [1,2,3] learners [4]" },
		]);
	});
});
