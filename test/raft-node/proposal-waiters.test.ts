/** The member's bookkeeping of who waits on which log entry, and of unapplied sessions. */
import { describe, expect, test } from "bun:test";
import { encodeCommand } from "../../cluster/kv/command.ts";
import { type CommandAnswer, ProposalWaiters } from "../../cluster/raft-node/proposal-waiters.ts";

const put = (client: number, seq: number, index: number, term = 1) => ({
	index,
	term,
	data: encodeCommand({ client, seq, op: { kind: "put", key: "k", value: `${client}.${seq}` } }),
});
const noop = (index: number, term = 2) => ({ index, term, data: "" });
const RESULT = { kind: "put", revision: 4 } as const;

function recorder() {
	const answers: CommandAnswer[] = [];
	return { answers, resolve: (answer: CommandAnswer) => answers.push(answer) };
}

describe("ProposalWaiters", () => {
	test("a retry of a logged, unapplied write finds its entry; both callers get its result", () => {
		const waiters = new ProposalWaiters();
		const first = recorder();
		const retry = recorder();
		waiters.wait(5, 7, 1, first.resolve);
		waiters.logged([put(7, 1, 5)], 1);
		expect(waiters.indexOf(7, 1)).toBe(5);
		waiters.wait(5, 7, 1, retry.resolve);
		waiters.applied(5, { kind: "command", client: 7, seq: 1, result: RESULT }, 1);
		expect(first.answers).toEqual([{ kind: "ok", result: RESULT }]);
		expect(retry.answers).toEqual([{ kind: "ok", result: RESULT }]);
		// Applied: a later retry goes through the log again (the store answers it as a duplicate).
		expect(waiters.indexOf(7, 1)).toBeUndefined();
		expect(waiters.waitingCount).toBe(0);
	});

	test("entries another leader sent are indexed too (a retry after a leader change)", () => {
		const waiters = new ProposalWaiters();
		waiters.logged([put(3, 1, 1), put(4, 2, 2), noop(3)], 0);
		expect(waiters.indexOf(3, 1)).toBe(1);
		expect(waiters.indexOf(4, 2)).toBe(2);
		expect(waiters.indexOf(4, 1)).toBeUndefined();
	});

	test("an entry replaced by a new leader's log: its callers hear NotLeader at once", () => {
		const waiters = new ProposalWaiters();
		const lost = recorder();
		const beyond = recorder();
		waiters.wait(2, 9, 1, lost.resolve);
		waiters.wait(3, 9, 2, beyond.resolve);
		waiters.logged([put(9, 1, 2), put(9, 2, 3)], 1);
		waiters.logged([noop(2, 3)], 4);
		expect(lost.answers).toEqual([{ kind: "notLeader", leader: 4 }]);
		expect(waiters.indexOf(9, 1)).toBeUndefined();
		// Index 3 is gone from the log too; its caller hears when index 3 is applied.
		expect(waiters.indexOf(9, 2)).toBeUndefined();
		waiters.applied(3, { kind: "command", client: 5, seq: 1, result: RESULT }, 4);
		expect(beyond.answers).toEqual([{ kind: "notLeader", leader: 4 }]);
	});

	test("an applied entry that is not the caller's answers NotLeader", () => {
		const waiters = new ProposalWaiters();
		const mine = recorder();
		waiters.wait(1, 1, 1, mine.resolve);
		waiters.applied(1, { kind: "other" }, 2);
		expect(mine.answers).toEqual([{ kind: "notLeader", leader: 2 }]);
	});

	test("an entry answered session-expired: its callers hear so, another session's NotLeader", () => {
		const waiters = new ProposalWaiters();
		const mine = recorder();
		const other = recorder();
		waiters.wait(3, 7, 2, mine.resolve);
		waiters.wait(3, 8, 1, other.resolve);
		waiters.applied(3, { kind: "session-expired", client: 7, seq: 2 }, 1);
		expect(mine.answers).toEqual([{ kind: "session-expired" }]);
		expect(other.answers).toEqual([{ kind: "notLeader", leader: 1 }]);
	});

	test("an entry ignored as stale: its callers hear stale-seq, another session's NotLeader", () => {
		const waiters = new ProposalWaiters();
		const mine = recorder();
		const other = recorder();
		waiters.wait(4, 7, 1, mine.resolve);
		waiters.wait(4, 8, 1, other.resolve);
		waiters.applied(4, { kind: "stale", client: 7, seq: 1 }, 1);
		expect(mine.answers).toEqual([{ kind: "stale-seq" }]);
		expect(other.answers).toEqual([{ kind: "notLeader", leader: 1 }]);
	});

	test("sessions of entries recovered from the log at start are indexed until applied", () => {
		const waiters = new ProposalWaiters();
		waiters.recovered([put(3, 1, 6), noop(7), put(4, 2, 8)]);
		expect(waiters.indexOf(3, 1)).toBe(6);
		expect(waiters.indexOf(4, 2)).toBe(8);
		waiters.applied(6, { kind: "command", client: 3, seq: 1, result: RESULT }, 1);
		expect(waiters.indexOf(3, 1)).toBeUndefined();
	});

	test("abandonAll answers everyone still waiting", () => {
		const waiters = new ProposalWaiters();
		const a = recorder();
		const b = recorder();
		waiters.wait(1, 1, 1, a.resolve);
		waiters.wait(2, 1, 2, b.resolve);
		waiters.abandonAll(0);
		expect([...a.answers, ...b.answers]).toEqual([
			{ kind: "notLeader", leader: 0 },
			{ kind: "notLeader", leader: 0 },
		]);
		expect(waiters.waitingCount).toBe(0);
	});
});
