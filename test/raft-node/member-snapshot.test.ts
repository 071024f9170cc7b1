import { describe, expect, test } from "bun:test";
import { SnapshotError } from "../../cluster/raft/state-machine.ts";
import {
	decodeMemberSnapshot,
	encodeMemberSnapshot,
} from "../../cluster/raft-node/member-snapshot.ts";

describe("member snapshot data", () => {
	test("the state's snapshot and every member's addresses survive a round trip", () => {
		const snapshot = {
			state: '{"keys":[]}',
			addresses: [
				[1, { raft: { host: "127.0.0.1", port: 7001 }, api: "http://127.0.0.1:2381" }],
				[4, { raft: { host: "10.0.0.4", port: 7004 }, api: undefined }],
			] as const,
		};
		expect(decodeMemberSnapshot(encodeMemberSnapshot(snapshot))).toEqual({
			state: snapshot.state,
			addresses: [
				[1, { raft: { host: "127.0.0.1", port: 7001 }, api: "http://127.0.0.1:2381" }],
				[4, { raft: { host: "10.0.0.4", port: 7004 }, api: undefined }],
			],
		});
	});

	test("a snapshot from before the state held more than KV names it kv, and still reads", () => {
		const old = JSON.stringify({ kv: "kv data", addresses: [] });
		expect(decodeMemberSnapshot(old)).toEqual({ state: "kv data", addresses: [] });
	});

	test.each([
		["not JSON", "{kv:"],
		["truncated", encodeMemberSnapshot({ state: "x", addresses: [] }).slice(0, 10)],
		["no state", JSON.stringify({ addresses: [] })],
		["both state and kv", JSON.stringify({ state: "", kv: "", addresses: [] })],
		["a bad port", JSON.stringify({ kv: "", addresses: [[2, { raft: { host: "h", port: 0 } }]] })],
		[
			"a bad node id",
			JSON.stringify({ kv: "", addresses: [[0, { raft: { host: "h", port: 1 } }]] }),
		],
		["an unknown field", JSON.stringify({ kv: "", addresses: [], extra: 1 })],
	])("%s is refused with a SnapshotError", (_name, data) => {
		expect(() => decodeMemberSnapshot(data)).toThrow(SnapshotError);
	});
});
