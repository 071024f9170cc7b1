import { describe, expect, test } from "bun:test";
import { SnapshotError } from "../../cluster/raft/state-machine.ts";
import {
	decodeMemberSnapshot,
	encodeMemberSnapshot,
} from "../../cluster/raft-node/member-snapshot.ts";

describe("member snapshot data", () => {
	test("the KV snapshot and every member's addresses survive a round trip", () => {
		const snapshot = {
			kv: '{"keys":[]}',
			addresses: [
				[1, { raft: { host: "127.0.0.1", port: 7001 }, api: "http://127.0.0.1:2381" }],
				[4, { raft: { host: "10.0.0.4", port: 7004 }, api: undefined }],
			] as const,
		};
		expect(decodeMemberSnapshot(encodeMemberSnapshot(snapshot))).toEqual({
			kv: snapshot.kv,
			addresses: [
				[1, { raft: { host: "127.0.0.1", port: 7001 }, api: "http://127.0.0.1:2381" }],
				[4, { raft: { host: "10.0.0.4", port: 7004 }, api: undefined }],
			],
		});
	});

	test.each([
		["not JSON", "{kv:"],
		["truncated", encodeMemberSnapshot({ kv: "x", addresses: [] }).slice(0, 10)],
		["no kv", JSON.stringify({ addresses: [] })],
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
