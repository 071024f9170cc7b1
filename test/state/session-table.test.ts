/**
 * The client session table both replicated machines keep (cluster/state/session-table.ts):
 * exactly-once bookkeeping, the bound, least-recently-used expiry by log index, the
 * session-expired outcome, and that replicas fed the same commands end identical.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { randomClientId } from "../../cluster/state/random-client-id.ts";
import {
	isRegisteredClientId,
	MAX_SESSIONS,
	REGISTERED_CLIENT_BASE,
	registeredClientId,
	SESSIONLESS_SEQ,
	SessionTable,
} from "../../cluster/state/session-table.ts";

/** Runs (client, seq) at `index` as a machine would: check, then record what ran. */
function step(table: SessionTable<string>, index: number, client: number, seq: number) {
	const check = table.check(client, seq, index);
	if (check.kind === "new") table.record(client, seq, `${client}.${seq}@${index}`, index);
	return check;
}

const clientsOf = (table: SessionTable<string>) => [...table.entries()].map(([client]) => client);

describe("SessionTable", () => {
	test("run executes a command once and records it; a retry gets the first result", () => {
		const table = new SessionTable<string>();
		let runs = 0;
		const execute = () => `result ${++runs}`;
		expect(table.run(7, 1, 1, execute)).toEqual({ kind: "applied", result: "result 1" });
		expect(table.run(7, 1, 2, execute)).toEqual({ kind: "duplicate", result: "result 1" });
		expect(table.run(8, 2, 3, execute)).toEqual({ kind: "session-expired" });
		expect(runs).toBe(1);
	});

	test("a new client at seq 1 runs; the same seq again is a duplicate with the first result; older is stale", () => {
		const table = new SessionTable<string>();
		expect(step(table, 1, 7, 1)).toEqual({ kind: "new" });
		expect(step(table, 2, 7, 1)).toEqual({ kind: "duplicate", result: "7.1@1" });
		expect(step(table, 3, 7, 3)).toEqual({ kind: "new" });
		expect(step(table, 4, 7, 2)).toEqual({ kind: "stale" });
		expect(step(table, 5, 7, 3)).toEqual({ kind: "duplicate", result: "7.3@3" });
		expect(table.get(7)).toEqual({ seq: 3, result: "7.3@3", lastUsed: 5 });
		expect(table.maxSessions).toBe(MAX_SESSIONS);
	});

	test("an unknown client past seq 1 is session-expired, and so is all it sends after; older seqs are then stale", () => {
		const table = new SessionTable<string>();
		expect(step(table, 1, 9, 4)).toEqual({ kind: "session-expired" });
		expect(step(table, 2, 9, 4)).toEqual({ kind: "session-expired" });
		expect(step(table, 3, 9, 1)).toEqual({ kind: "stale" });
		expect(table.get(9)).toEqual({ seq: 4, result: null, lastUsed: 3 });
		// A client that goes on past the expired seq hears the same: it must start anew.
		expect(step(table, 4, 9, 5)).toEqual({ kind: "session-expired" });
		expect(table.get(9)).toEqual({ seq: 4, result: null, lastUsed: 4 });
	});

	test("a registered session starts at seq 0 with nothing run; its commands then run once each", () => {
		const table = new SessionTable<string>();
		const client = table.register(5);
		expect(client).toBe(REGISTERED_CLIENT_BASE + 5);
		expect(table.get(client)).toEqual({ seq: 0, result: null, lastUsed: 5 });
		expect(step(table, 6, client, 1)).toEqual({ kind: "new" });
		expect(step(table, 7, client, 1)).toEqual({ kind: "duplicate", result: `${client}.1@6` });
		expect(step(table, 8, client, 2)).toEqual({ kind: "new" });
		expect(step(table, 9, client, 1)).toEqual({ kind: "stale" });
	});

	test("a registered id the table does not know is session-expired at any seq, seq 1 too: nothing applies twice", () => {
		const table = new SessionTable<string>(1);
		let runs = 0;
		const execute = () => `result ${++runs}`;
		const client = table.register(1);
		expect(table.run(client, 1, 2, execute)).toEqual({ kind: "applied", result: "result 1" });
		// Another session takes the only slot: the first one expires.
		table.register(3);
		expect(table.get(client)).toBeUndefined();
		// The retry of seq 1, arriving now, may be of a write already applied: refused.
		expect(table.run(client, 1, 4, execute)).toEqual({ kind: "session-expired" });
		expect(table.run(registeredClientId(99), 1, 5, execute)).toEqual({ kind: "session-expired" });
		expect(runs).toBe(1);
		// A client-chosen id still starts at seq 1, as logs written before registration did.
		expect(table.run(7, 1, 6, execute)).toEqual({ kind: "applied", result: "result 2" });
	});

	test("registered ids and client-chosen ones never meet", () => {
		for (let i = 0; i < 1000; i++) expect(isRegisteredClientId(randomClientId())).toBe(false);
		expect(isRegisteredClientId(REGISTERED_CLIENT_BASE)).toBe(false);
		expect(isRegisteredClientId(registeredClientId(1))).toBe(true);
		// Both fit the API's Neuro-Client-Id (below 10^15) for any index below 7 * 10^14.
		expect(registeredClientId(7 * 10 ** 14)).toBeLessThan(10 ** 15);
	});

	test("a command without a session runs every time it is applied and takes no slot", () => {
		const table = new SessionTable<string>(2);
		let runs = 0;
		const execute = () => `result ${++runs}`;
		expect(table.run(7, 1, 1, execute)).toEqual({ kind: "applied", result: "result 1" });
		// A flood of sessionless writes, more than the bound, each under its own client id.
		for (let i = 0; i < 5; i++)
			expect(table.run(100 + i, SESSIONLESS_SEQ, 2 + i, execute).kind).toBe("applied");
		expect(table.run(100, SESSIONLESS_SEQ, 9, execute).kind).toBe("applied");
		expect(runs).toBe(7);
		expect(clientsOf(table)).toEqual([7]);
		// Client 7's session outlived them all: its retry is still a duplicate.
		expect(table.run(7, 1, 10, execute)).toEqual({ kind: "duplicate", result: "result 1" });
	});

	test("never more than maxSessions: a new session expires the one used least recently", () => {
		const table = new SessionTable<string>(3);
		step(table, 1, 1, 1);
		step(table, 2, 2, 1);
		step(table, 3, 3, 1);
		expect(clientsOf(table)).toEqual([1, 2, 3]);
		step(table, 4, 4, 1);
		expect(clientsOf(table)).toEqual([2, 3, 4]);
		expect(table.size).toBe(3);
		expect(step(table, 5, 1, 2)).toEqual({ kind: "session-expired" });
		// The expired seq took a slot of its own: client 2 went.
		expect(clientsOf(table)).toEqual([3, 4, 1]);
	});

	test("use means any command of the client: applied, duplicate and stale all refresh it", () => {
		const table = new SessionTable<string>(3);
		step(table, 1, 1, 1);
		step(table, 2, 1, 2);
		step(table, 3, 2, 1);
		step(table, 4, 3, 1);
		step(table, 5, 1, 2); // duplicate
		expect(clientsOf(table)).toEqual([2, 3, 1]);
		step(table, 6, 2, 1); // duplicate
		step(table, 7, 3, 2); // applied
		step(table, 8, 1, 1); // stale
		expect(clientsOf(table)).toEqual([2, 3, 1]);
		expect([...table.entries()].map(([, s]) => s.lastUsed)).toEqual([6, 7, 8]);
		step(table, 9, 4, 1);
		expect(clientsOf(table)).toEqual([3, 1, 4]);
	});

	test("restore orders by last use; old snapshots (all 0) keep the order given; beyond the bound the oldest go", () => {
		const s = (seq: number, lastUsed: number) => ({ seq, result: `r${seq}`, lastUsed });
		const table = SessionTable.restore<string>(
			[
				[1, s(1, 9)],
				[2, s(1, 3)],
				[3, s(1, 7)],
			],
			10,
		);
		expect(clientsOf(table)).toEqual([2, 3, 1]);
		const old = SessionTable.restore<string>(
			[
				[1, s(1, 0)],
				[5, s(2, 0)],
				[9, s(1, 0)],
			],
			2,
		);
		expect(clientsOf(old)).toEqual([5, 9]);
		expect(() => new SessionTable(0)).toThrow(RangeError);
	});

	test("property: tables fed the same commands end identical, never above the bound, survive a restore, and never run a forgotten registered session's command", () => {
		// Client 0 stands for a registration; ids above 12 are registered ones (known or not).
		const command = fc.record({
			client: fc.oneof(
				fc.integer({ min: 0, max: 12 }),
				fc.integer({ min: 1, max: 30 }).map(registeredClientId),
			),
			seq: fc.integer({ min: 1, max: 6 }),
		});
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 8 }),
				fc.array(command, { maxLength: 200 }),
				fc.integer({ min: 0, max: 200 }),
				(bound, commands, restoreAt) => {
					const one = new SessionTable<string>(bound);
					let two = new SessionTable<string>(bound);
					const outcomes: [string, string][] = [];
					for (const [i, { client, seq }] of commands.entries()) {
						const index = i + 1;
						// The second table goes through a snapshot once, as a restarted replica would.
						if (i === restoreAt) two = SessionTable.restore([...two.entries()], bound);
						const forgotten = isRegisteredClientId(client) && one.get(client) === undefined;
						const a = client === 0 ? one.register(index) : step(one, index, client, seq);
						// A registered session the table does not hold never runs anything.
						if (forgotten && JSON.stringify(a) !== '{"kind":"session-expired"}') return false;
						const b = client === 0 ? two.register(index) : step(two, index, client, seq);
						outcomes.push([JSON.stringify(a), JSON.stringify(b)]);
						if (one.size > bound || two.size > bound) return false;
					}
					for (const [a, b] of outcomes) if (a !== b) return false;
					return JSON.stringify([...one.entries()]) === JSON.stringify([...two.entries()]);
				},
			),
			{ numRuns: 300 },
		);
	});
});
