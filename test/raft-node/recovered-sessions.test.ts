/**
 * A member restarted with an unapplied write in its write-ahead log knows that write's
 * session: a client's retry of it, reaching the member once it leads again, waits for the
 * entry already in the log instead of logging the write a second time.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Message } from "../../cluster/raft/messages.ts";
import { encodeKvEntry } from "../../cluster/state/entry-encoding.ts";
import { Wal } from "../../cluster/wal/wal.ts";
import { InProcessMembers, until } from "./in-process-members.ts";

const members = new InProcessMembers("recovered-sessions");

afterAll(async () => {
	await members.closeAll();
});

describe("sessions of entries recovered from the log", () => {
	test("a retry of a logged, unapplied write waits for that entry", async () => {
		// Member 1 stopped after logging (client 7, seq 1) in term 1, before anyone acked it.
		const write = { kind: "put", key: "once", value: "x" } as const;
		const { wal } = await Wal.open(join(members.root, "node-1"));
		const data = new TextEncoder().encode(encodeKvEntry({ client: 7, seq: 1, op: write }));
		await wal.save({ term: 1, vote: 1, commit: 0 }, [{ index: 1, term: 1, data }]);
		await wal.close();

		const one = await members.start(1);
		const two = await members.start(2);
		// Member 2 votes and answers heartbeats but takes no entries until let, so nothing
		// commits: member 1 leads with the recovered write still unapplied.
		let holdAppends = true;
		const receive = two.receive.bind(two);
		two.receive = (message: Message) => {
			if (holdAppends && message.type === "app") return;
			receive(message);
		};
		members.connectAll();
		await until("member 1 to lead", () => (one.status().role === "leader" ? true : undefined));
		const before = one.status();
		expect(before.applied).toBe(0);

		const retry = one.propose(7, 1, write);
		// Waiting on index 1: nothing new in the log.
		expect(one.status().lastIndex).toBe(before.lastIndex);

		holdAppends = false;
		expect(await retry).toEqual({ kind: "ok", result: { kind: "put", revision: 1 } });
		expect(one.status().lastIndex).toBe(before.lastIndex);
		expect(one.kv.read("once")).toEqual({ kind: "get", value: "x", revision: 1 });
	});
});
