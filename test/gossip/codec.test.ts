import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	decodePacket,
	decodeState,
	encodePacket,
	encodeState,
	GOSSIP_WIRE_VERSION,
} from "../../cluster/gossip/codec.ts";
import type { Packet } from "../../cluster/gossip/messages.ts";

const meta = { role: "control", pop: "", edgeAddress: "", raftAddress: "10.0.0.1:7000" } as const;
const packet: Packet = {
	from: 1,
	msg: { t: "ping", seq: 3, target: 2 },
	updates: [
		{ t: "alive", id: 1, address: "10.0.0.1:7946", inc: 2, meta },
		{ t: "suspect", id: 4, inc: 0, by: 1 },
		{ t: "dead", id: 5, inc: 1, by: 2 },
		{ t: "left", id: 6, inc: 3 },
	],
	app: [{ counter: "hits", delta: 3 }, "x"],
};

function withVersion(json: string, version = GOSSIP_WIRE_VERSION): Uint8Array {
	const body = new TextEncoder().encode(json);
	const bytes = new Uint8Array(body.byteLength + 1);
	bytes[0] = version;
	bytes.set(body, 1);
	return bytes;
}

describe("gossip codec", () => {
	test("a packet round-trips; the first byte is the wire version", () => {
		const bytes = encodePacket(packet);
		expect(bytes[0]).toBe(GOSSIP_WIRE_VERSION);
		expect(decodePacket(bytes, 1400)).toEqual({ ok: true, value: packet });
	});

	test("a push-pull state round-trips", () => {
		const state = {
			from: 1,
			address: "10.0.0.1:7946",
			members: [{ id: 1, address: "10.0.0.1:7946", inc: 0, state: "alive" as const, meta }],
			app: { hits: 1 },
		};
		expect(decodeState(encodeState(state), 1 << 20)).toEqual({ ok: true, value: state });
	});

	test("oversized, empty, other-version, non-JSON and bad-UTF-8 bytes are refused with their reason", () => {
		expect(decodePacket(encodePacket(packet), 50)).toMatchObject({
			ok: false,
			reason: "oversized",
		});
		expect(decodePacket(new Uint8Array(0), 1400)).toMatchObject({ ok: false, reason: "empty" });
		expect(decodePacket(withVersion("{}", 2), 1400)).toMatchObject({
			ok: false,
			reason: "bad-version",
		});
		expect(decodePacket(withVersion("{not json"), 1400)).toMatchObject({
			ok: false,
			reason: "not-json",
		});
		expect(decodePacket(new Uint8Array([1, 0xff, 0xfe]), 1400)).toMatchObject({
			ok: false,
			reason: "not-json",
		});
	});

	test.each([
		["unknown message", { ...packet, msg: { t: "hello", seq: 1 } }],
		["id 0", { ...packet, from: 0 }],
		["fractional seq", { ...packet, msg: { t: "ack", seq: 1.5 } }],
		["negative incarnation", { ...packet, updates: [{ t: "left", id: 2, inc: -1 }] }],
		["extra field", { ...packet, extra: 1 }],
		["address without port", { ...packet, updates: [{ ...packet.updates[0], address: "h" }] }],
		["port 0", { ...packet, msg: { t: "pingReq", seq: 1, target: 2, targetAddress: "h:0" } }],
		["bad role", { ...packet, updates: [{ ...packet.updates[0], meta: { ...meta, role: "x" } }] }],
		["app not a list", { ...packet, app: {} }],
		["too many app items", { ...packet, app: Array(300).fill(0) }],
		["too many updates", { ...packet, updates: Array(65).fill(packet.updates[3]) }],
		["a number", 7],
	])("schema refuses %s", (_name, value) => {
		const result = decodePacket(withVersion(JSON.stringify(value)), 65_000);
		expect(result).toMatchObject({ ok: false, reason: "invalid" });
	});

	test("random bytes never throw and never pass", () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
				const result = decodePacket(bytes, 1400);
				expect(result.ok).toBe(false);
			}),
			{ numRuns: 2000 },
		);
	});

	test("random JSON after a valid version byte never throws, and passes only as a valid packet", () => {
		fc.assert(
			fc.property(fc.jsonValue(), (value) => {
				const result = decodePacket(withVersion(JSON.stringify(value) ?? "null"), 1400);
				if (result.ok) expect(decodePacket(encodePacket(result.value), 1400).ok).toBe(true);
			}),
			{ numRuns: 2000 },
		);
	});

	test("mutated valid packets never throw", () => {
		const valid = encodePacket(packet);
		fc.assert(
			fc.property(fc.nat(valid.byteLength - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
				const copy = valid.slice();
				copy[at] = byte;
				const result = decodePacket(copy, 1400);
				expect(typeof result.ok).toBe("boolean");
			}),
			{ numRuns: 2000 },
		);
	});
});
