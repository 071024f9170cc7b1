import { describe, expect, test } from "bun:test";
import { encodeConfEntry } from "../../cluster/raft/membership.ts";
import { MemberAddresses } from "../../cluster/raft-node/member-addresses.ts";

const conf = (index: number, data: string) => ({ index, term: 1, data });
const config = { voters: [1, 2, 3], learners: [4] };

describe("member addresses from the log", () => {
	test("an add names the node's Raft address once; its API address is kept", () => {
		const book = new MemberAddresses();
		const raftAddress = { host: "10.0.0.4", port: 7004 };
		const add = encodeConfEntry({
			change: { kind: "addLearner", id: 4, raftAddress, apiAddress: "http://10.0.0.4:2380" },
			config,
		});
		expect(book.learn([conf(1, "{}"), conf(2, add)])).toEqual(new Map([[4, raftAddress]]));
		expect(book.get(4)).toEqual({ raft: raftAddress, api: "http://10.0.0.4:2380" });
		// The same entry again (a restart replays the log): nothing new for the transport.
		expect(book.learn([conf(2, add)]).size).toBe(0);
	});

	test("a removal keeps the address; a re-add at another address replaces it", () => {
		const book = new MemberAddresses();
		const first = { host: "a", port: 1 };
		const second = { host: "b", port: 2 };
		const add = (raftAddress: { host: string; port: number }) =>
			encodeConfEntry({ change: { kind: "addLearner", id: 4, raftAddress }, config });
		const remove = encodeConfEntry({
			change: { kind: "remove", id: 4 },
			config: { voters: [1, 2, 3], learners: [] },
		});
		book.learn([conf(1, add(first)), conf(2, remove)]);
		expect(book.get(4)?.raft).toEqual(first);
		expect(book.learn([conf(3, add(second))])).toEqual(new Map([[4, second]]));
	});

	test("an add at another member's Raft or API address is a collision; a removed node's address is free", () => {
		const book = new MemberAddresses();
		book.set(2, { raft: { host: "h", port: 2 }, api: "http://h:82" });
		book.set(9, { raft: { host: "h", port: 9 }, api: "http://h:89" });
		const addAt = (port: number, api?: string) =>
			({ kind: "addLearner", id: 5, raftAddress: { host: "h", port }, apiAddress: api }) as const;
		expect(book.collision(addAt(2), config)).toBe("node 2 already has Raft address h:2");
		expect(book.collision(addAt(7, "http://h:82"), config)).toBe(
			"node 2 already has API address http://h:82",
		);
		// Node 9 is not a member any more (or never was): its address may be given out again.
		expect(book.collision(addAt(9, "http://h:89"), config)).toBeUndefined();
		// A node re-added at its own address collides with nobody.
		expect(
			book.collision({ ...addAt(2), id: 2 }, { voters: [1, 3], learners: [] }),
		).toBeUndefined();
		expect(book.collision({ kind: "remove", id: 2 }, config)).toBeUndefined();
	});
});
