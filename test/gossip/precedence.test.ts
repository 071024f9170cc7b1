import { describe, expect, test } from "bun:test";
import type { Update } from "../../cluster/gossip/messages.ts";
import { judge } from "../../cluster/gossip/precedence.ts";
import type { Member, MemberState } from "../../cluster/gossip/types.ts";

const meta = { role: "pop", pop: "fra1", edgeAddress: "", raftAddress: "" } as const;
const row = (state: MemberState, incarnation: number): Member => ({
	id: 2,
	address: "10.0.0.2:7946",
	incarnation,
	state,
	meta,
	changedAt: 0,
});
const alive = (inc: number): Update => ({ t: "alive", id: 2, address: "10.0.0.2:7946", inc, meta });
const suspect = (inc: number, by = 3): Update => ({ t: "suspect", id: 2, inc, by });
const dead = (inc: number): Update => ({ t: "dead", id: 2, inc, by: 3 });
const left = (inc: number): Update => ({ t: "left", id: 2, inc });

describe("precedence (SWIM's override rules)", () => {
	test("an unknown member is learned only from an alive update (it names an address)", () => {
		expect(judge(alive(0), undefined)).toBe("apply");
		expect(judge(suspect(0), undefined)).toBe("ignore");
		expect(judge(dead(0), undefined)).toBe("ignore");
		expect(judge(left(0), undefined)).toBe("ignore");
	});

	test("alive needs a higher incarnation than whatever is held", () => {
		for (const state of ["alive", "suspect", "dead", "left"] as const) {
			expect(judge(alive(5), row(state, 5))).toBe("ignore");
			expect(judge(alive(6), row(state, 5))).toBe("apply");
			expect(judge(alive(4), row(state, 5))).toBe("ignore");
		}
	});

	test("suspect overrides alive at the same incarnation; the same suspicion again is a confirmation", () => {
		expect(judge(suspect(5), row("alive", 5))).toBe("apply");
		expect(judge(suspect(4), row("alive", 5))).toBe("ignore");
		expect(judge(suspect(5), row("suspect", 5))).toBe("confirm");
		expect(judge(suspect(6), row("suspect", 5))).toBe("apply");
		expect(judge(suspect(4), row("suspect", 5))).toBe("ignore");
		expect(judge(suspect(9), row("dead", 5))).toBe("ignore");
		expect(judge(suspect(9), row("left", 5))).toBe("ignore");
	});

	test("dead overrides alive and suspect at the same incarnation, never left", () => {
		expect(judge(dead(5), row("alive", 5))).toBe("apply");
		expect(judge(dead(5), row("suspect", 5))).toBe("apply");
		expect(judge(dead(4), row("suspect", 5))).toBe("ignore");
		expect(judge(dead(9), row("dead", 5))).toBe("ignore");
		expect(judge(dead(9), row("left", 5))).toBe("ignore");
	});

	test("left overrides everything but left at the same or a higher incarnation", () => {
		expect(judge(left(5), row("alive", 5))).toBe("apply");
		expect(judge(left(5), row("suspect", 5))).toBe("apply");
		expect(judge(left(6), row("dead", 5))).toBe("apply");
		// A leaver somebody's timer declared dead before the goodbye arrived ends up left.
		expect(judge(left(5), row("dead", 5))).toBe("apply");
		expect(judge(left(4), row("alive", 5))).toBe("ignore");
		expect(judge(left(9), row("left", 5))).toBe("ignore");
	});
});
