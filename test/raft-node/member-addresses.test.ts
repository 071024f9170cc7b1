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
});
