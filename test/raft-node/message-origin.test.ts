import { describe, expect, test } from "bun:test";
import { misattribution } from "../../cluster/raft-node/message-origin.ts";

describe("a Raft message's sender against its connection's peer", () => {
	const vote = (from: number, to: number) => ({ type: "vote", from, to });

	test("from the connection's peer, to this node: stepped", () => {
		expect(misattribution(2, 1, vote(2, 1))).toBeUndefined();
	});

	test("naming another member as its sender: dropped, with both ids named", () => {
		expect(misattribution(2, 1, vote(3, 1))).toBe(
			"a vote from node 2's connection names node 3 as its sender",
		);
	});

	test("addressed to another node: dropped", () => {
		expect(misattribution(2, 1, vote(2, 3))).toBe(
			"a vote from node 2 is addressed to node 3, not this node",
		);
	});
});
