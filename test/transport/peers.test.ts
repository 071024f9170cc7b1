import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { formatAddress, PeerMapSchema } from "../../cluster/transport/peers.ts";

describe("PeerMapSchema", () => {
	test("reads ids and host:port, IPv6 in brackets", () => {
		const peers = v.parse(PeerMapSchema, {
			"2": "10.0.0.2:7000",
			"3": "[::1]:7001",
			"4": "node-4.local:1",
		});
		expect([...peers]).toEqual([
			[2, { host: "10.0.0.2", port: 7000 }],
			[3, { host: "::1", port: 7001 }],
			[4, { host: "node-4.local", port: 1 }],
		]);
		expect(formatAddress({ host: "::1", port: 7001 })).toBe("[::1]:7001");
	});

	test.each([
		[{ "0": "a:1" }, "a node id is 1 or more"],
		[{ x: "a:1" }, "a node id is 1 or more"],
		[{ "99999999999999999": "a:1" }, "a node id is 1 or more"],
		[{ "2": "a" }, "expected host:port"],
		[{ "2": "a:0" }, "port must be 1..65535"],
		[{ "2": "a:70000" }, "port must be 1..65535"],
		[{ "2": "a b:1" }, "expected host:port"],
		[{ "2": 7000 }, "Invalid type"],
		[["x", "a:1"], "expected an object"],
		[null, "expected an object"],
	])("refuses %p", (input, message) => {
		const result = v.safeParse(PeerMapSchema, input);
		expect(result.success).toBe(false);
		expect(result.issues?.[0]?.message).toContain(message);
	});
});
