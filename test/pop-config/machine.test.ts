import { describe, expect, test } from "bun:test";
import type { PopConfig } from "../../cluster/node/pop-config.ts";
import { encodePopConfigCommand, type PopConfigOp } from "../../cluster/pop-config/command.ts";
import { PopConfigMachine } from "../../cluster/pop-config/machine.ts";
import {
	decodePopConfigSnapshot,
	encodePopConfigSnapshot,
} from "../../cluster/pop-config/snapshot-codec.ts";
import { SnapshotError } from "../../cluster/raft/state-machine.ts";
import { fra1 } from "./fixtures.ts";

const entry = (client: number, seq: number, op: PopConfigOp) =>
	encodePopConfigCommand({ client, seq, op });

function outcome(machine: PopConfigMachine, index: number, data: string) {
	const applied = machine.apply(index, data);
	if (applied.kind !== "command") throw new Error(`not a command: ${JSON.stringify(applied)}`);
	return applied.outcome;
}

describe("POP config state machine", () => {
	test("set, get, replace and delete a POP's document, each change counted", () => {
		const machine = new PopConfigMachine();
		expect(machine.get("fra1")).toEqual({ config: null, revision: 0 });
		expect(outcome(machine, 1, entry(1, 1, { kind: "set", name: "fra1", config: fra1 }))).toEqual({
			kind: "applied",
			result: { kind: "set", name: "fra1", revision: 1 },
		});
		expect(machine.get("fra1")).toEqual({ config: fra1 as PopConfig, revision: 1 });
		const bigger = { ...fra1, tiers: { memoryMb: 512 } };
		outcome(machine, 2, entry(1, 2, { kind: "set", name: "fra1", config: bigger }));
		expect(machine.get("fra1").config?.tiers.memoryMb).toBe(512);
		expect(outcome(machine, 3, entry(1, 3, { kind: "delete", name: "fra1" }))).toEqual({
			kind: "applied",
			result: { kind: "delete", name: "fra1", deleted: true, revision: 3 },
		});
		expect(machine.get("fra1")).toEqual({ config: null, revision: 3 });
		expect(outcome(machine, 4, entry(1, 4, { kind: "delete", name: "fra1" }))).toEqual({
			kind: "applied",
			result: { kind: "delete", name: "fra1", deleted: false, revision: 3 },
		});
	});

	test("a document the schema refuses, or one naming another POP, is refused and changes nothing", () => {
		const machine = new PopConfigMachine();
		const bad = outcome(
			machine,
			1,
			entry(1, 1, { kind: "set", name: "fra1", config: { ...fra1, tiers: { memoryMb: 0 } } }),
		);
		expect(bad).toMatchObject({ kind: "applied", result: { kind: "refused", name: "fra1" } });
		if (bad.kind === "applied" && bad.result.kind === "refused")
			expect(bad.result.message).toContain("tiers.memoryMb");
		const other = outcome(machine, 2, entry(1, 2, { kind: "set", name: "iad1", config: fra1 }));
		expect(other).toMatchObject({
			result: { kind: "refused", message: expect.stringContaining("fra1") },
		});
		expect(machine.get("fra1").revision).toBe(0);
		expect(machine.get("iad1").revision).toBe(0);
	});

	test("a large objects' budget out of range or fractional is refused naming tiers.largeMb", () => {
		for (const largeMb of [-1, 65_537, 1.5]) {
			const machine = new PopConfigMachine();
			const config = { ...fra1, tiers: { memoryMb: 256, largeMb } };
			const bad = outcome(machine, 1, entry(1, 1, { kind: "set", name: "fra1", config }));
			expect(bad).toMatchObject({
				result: { kind: "refused", message: expect.stringContaining("tiers.largeMb") },
			});
			expect(machine.get("fra1").revision).toBe(0);
		}
		const machine = new PopConfigMachine();
		const off = { ...fra1, tiers: { memoryMb: 256, largeMb: 0 } };
		outcome(machine, 1, entry(1, 1, { kind: "set", name: "fra1", config: off }));
		expect(machine.get("fra1").config?.tiers.largeMb).toBe(0);
	});

	test("a budget the API now refuses as too small still applies from the log, as it did when written", () => {
		// Replicas of two versions must agree on every entry, and an old snapshot must load:
		// rules added later are checked where documents enter (the PUT, the build), not here.
		const machine = new PopConfigMachine();
		const small = { ...fra1, tiers: { memoryMb: 256, largeMb: 3 } };
		outcome(machine, 1, entry(1, 1, { kind: "set", name: "fra1", config: small }));
		expect(machine.get("fra1").config?.tiers.largeMb).toBe(3);
		const restored = new PopConfigMachine();
		restored.restore(machine.snapshot());
		expect(restored.get("fra1").config?.tiers.largeMb).toBe(3);
	});

	test("a retried set is applied once: it does not overwrite a newer set by another client", () => {
		const machine = new PopConfigMachine();
		outcome(machine, 1, entry(1, 1, { kind: "set", name: "fra1", config: fra1 }));
		const newer = { ...fra1, region: "eu-west" };
		outcome(machine, 2, entry(2, 1, { kind: "set", name: "fra1", config: newer }));
		expect(outcome(machine, 3, entry(1, 1, { kind: "set", name: "fra1", config: fra1 }))).toEqual({
			kind: "duplicate",
			result: { kind: "set", name: "fra1", revision: 1 },
		});
		outcome(machine, 4, entry(2, 2, { kind: "delete", name: "fra1" }));
		expect(outcome(machine, 5, entry(2, 1, { kind: "set", name: "fra1", config: newer }))).toEqual({
			kind: "stale",
		});
		expect(machine.get("fra1")).toEqual({ config: null, revision: 3 });
	});

	test.each([
		["not JSON", "nope"],
		["an unknown op", JSON.stringify({ client: 1, seq: 1, op: { kind: "rename", name: "fra1" } })],
		["a bad POP name", entry(1, 1, { kind: "delete", name: "Fra 1" })],
		["no session", JSON.stringify({ op: { kind: "delete", name: "fra1" } })],
	])("%s is rejected with a reason and fills its index", (_name, data) => {
		const machine = new PopConfigMachine();
		const applied = machine.apply(1, data);
		expect(applied.kind).toBe("rejected");
		if (applied.kind === "rejected") expect(applied.message).toMatch(/POP config entry/);
		expect(machine.appliedIndex).toBe(1);
	});

	test("a watcher hears its own POP's changes only, with the index", () => {
		const machine = new PopConfigMachine();
		const heard: [string | null, number][] = [];
		const stop = machine.watch("fra1", (config, index) =>
			heard.push([config?.region ?? null, index]),
		);
		outcome(machine, 1, entry(1, 1, { kind: "set", name: "fra1", config: fra1 }));
		outcome(
			machine,
			2,
			entry(1, 2, { kind: "set", name: "iad1", config: { ...fra1, name: "iad1" } }),
		);
		outcome(
			machine,
			3,
			entry(1, 3, { kind: "set", name: "fra1", config: { ...fra1, tiers: { memoryMb: 1 } } }),
		);
		outcome(machine, 4, entry(1, 4, { kind: "delete", name: "fra1" }));
		expect(heard).toEqual([
			["eu-central", 1],
			["eu-central", 3],
			[null, 4],
		]);
		stop();
		outcome(machine, 5, entry(1, 5, { kind: "set", name: "fra1", config: fra1 }));
		expect(heard).toHaveLength(3);
	});

	test("a snapshot round trip keeps documents, revisions and sessions; watchers hear what changed", () => {
		const machine = new PopConfigMachine();
		outcome(machine, 1, entry(1, 1, { kind: "set", name: "fra1", config: fra1 }));
		outcome(
			machine,
			2,
			entry(2, 1, { kind: "set", name: "sin1", config: { ...fra1, name: "sin1" } }),
		);
		outcome(machine, 3, entry(2, 2, { kind: "delete", name: "sin1" }));
		const snapshot = machine.snapshot();
		const copy = new PopConfigMachine();
		const heard: number[] = [];
		copy.watch("fra1", (_config, index) => heard.push(index));
		copy.watch("sin1", (_config, index) => heard.push(-index));
		copy.restore(snapshot);
		expect(copy.snapshot()).toEqual(snapshot);
		expect(copy.get("sin1")).toEqual({ config: null, revision: 2 });
		// fra1 appeared; sin1 was absent before and after (deleted): no news.
		expect(heard).toEqual([3]);
		expect(outcome(copy, 4, entry(1, 1, { kind: "set", name: "fra1", config: fra1 })).kind).toBe(
			"duplicate",
		);
	});

	const good = encodePopConfigSnapshot(2, {
		pops: new Map([["fra1", { config: fra1 as PopConfig, revision: 1 }]]),
		sessions: new Map([
			[1, { seq: 1, result: { kind: "set", name: "fra1", revision: 1 }, lastUsed: 2 }],
		]),
	});
	test("sessions are bounded; a snapshot after expiries restores to the same table", () => {
		const set = (client: number, seq: number, name: string) =>
			entry(client, seq, { kind: "set", name, config: { ...fra1, name } });
		const machine = new PopConfigMachine({ maxSessions: 2 });
		outcome(machine, 1, set(1, 1, "fra1"));
		outcome(machine, 2, set(2, 1, "iad1"));
		outcome(machine, 3, set(1, 2, "fra1")); // client 1 used again
		outcome(machine, 4, set(3, 1, "sin1")); // client 2's session expires
		expect(machine.sessionCount).toBe(2);
		// Client 2's next set is session-expired: nothing changes.
		expect(outcome(machine, 5, set(2, 2, "iad1"))).toEqual({ kind: "session-expired" });
		expect(machine.get("iad1").revision).toBe(1);
		const snapshot = machine.snapshot();
		const copy = new PopConfigMachine({ maxSessions: 2 });
		copy.restore(snapshot);
		expect(copy.snapshot()).toEqual(snapshot);
		for (const m of [machine, copy]) {
			// Sessions now: 3 (used at 4), 2 (session-expired at 5). Client 4 expires client 3.
			expect(outcome(m, 6, set(4, 1, "ams1")).kind).toBe("applied");
			expect(outcome(m, 7, set(3, 2, "sin1"))).toEqual({ kind: "session-expired" });
			expect(outcome(m, 8, set(2, 2, "iad1"))).toEqual({ kind: "session-expired" });
		}
		expect(copy.snapshot()).toEqual(machine.snapshot());
		const { sessions } = decodePopConfigSnapshot(8, machine.snapshot().data);
		expect([...sessions].map(([client, s]) => [client, s.seq, s.lastUsed])).toEqual([
			[2, 2, 8],
			[3, 2, 7],
		]);
	});

	test("a snapshot from before sessions carried their last use still restores", () => {
		const old = JSON.stringify({
			format: "neurocache-pop-config/1",
			index: 2,
			pops: [["fra1", fra1, 1]],
			sessions: [
				[4, 1, { kind: "set", name: "fra1", revision: 1 }],
				[6, 1, { kind: "delete", name: "iad1", deleted: false, revision: 0 }],
			],
		});
		const machine = new PopConfigMachine({ maxSessions: 2 });
		machine.restore({ index: 2, data: old });
		expect(machine.get("fra1")).toEqual({ config: fra1 as PopConfig, revision: 1 });
		expect(outcome(machine, 3, entry(4, 1, { kind: "set", name: "fra1", config: fra1 }))).toEqual({
			kind: "duplicate",
			result: { kind: "set", name: "fra1", revision: 1 },
		});
		// Both had last use 0, in client order; 4 was just used, so a new client expires 6.
		outcome(machine, 4, entry(8, 1, { kind: "delete", name: "fra1" }));
		const { sessions } = decodePopConfigSnapshot(4, machine.snapshot().data);
		expect([...sessions.keys()]).toEqual([4, 8]);
	});

	test.each([
		["not JSON", "]"],
		["truncated", good.slice(0, 40)],
		["another index", good.replace('"index":2', '"index":3')],
		["another format", good.replace("pop-config/1", "pop-config/9")],
		["an invalid document inside", good.replace('"memoryMb":256', '"memoryMb":-1')],
		["a document under another name", good.replace('"name":"fra1"', '"name":"iad1"')],
		["a repeated POP", good.replace(/"pops":\[(.*?\])\]/, '"pops":[$1,$1]')],
		["a zero revision", good.replace(/,1\]\],"sessions"/, ',0]],"sessions"')],
		["truncated in the sessions", good.slice(0, good.indexOf('"sessions"') + 14)],
		["a session used after the index", good.replace(/,2\]\]\}$/, ",3]]}")],
		["a session repeated", good.replace(/"sessions":\[(.*)\]\}$/, '"sessions":[$1,$1]}')],
	])("a snapshot that is %s is refused and changes nothing", (_name, data) => {
		expect(data).not.toBe(good);
		const machine = new PopConfigMachine();
		outcome(
			machine,
			1,
			entry(5, 1, { kind: "set", name: "iad1", config: { ...fra1, name: "iad1" } }),
		);
		const before = machine.snapshot();
		expect(() => machine.restore({ index: 2, data })).toThrow(SnapshotError);
		expect(machine.snapshot()).toEqual(before);
	});
});
