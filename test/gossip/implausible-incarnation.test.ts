import { describe, expect, test } from "bun:test";
import { decodePacket, encodePacket } from "../../cluster/gossip/codec.ts";
import { swimConfig } from "../../cluster/gossip/config.ts";
import type { Packet } from "../../cluster/gossip/messages.ts";
import { Swim } from "../../cluster/gossip/swim.ts";
import type { NodeMeta } from "../../cluster/gossip/types.ts";
import { Prng } from "../../cluster/sim/prng.ts";

const meta: NodeMeta = { role: "pop", pop: "fra1", edgeAddress: "", raftAddress: "" };
const addr = (id: number) => `10.0.0.${id}:7946`;
const config = swimConfig({ pushPullIntervalMs: 1_000_000 });

function core(id: number, knows: number[] = []): Swim {
	const rng = new Prng(id);
	const swim = new Swim({ id, address: addr(id), meta, config, random: () => rng.next(), now: 0 });
	swim.mergeRemoteState(
		{
			from: knows[0] ?? id,
			address: addr(knows[0] ?? id),
			members: knows.map((k) => ({ id: k, address: addr(k), inc: 0, state: "alive", meta })),
		},
		0,
	);
	return swim;
}

function ping(from: number, target: number, updates: Packet["updates"]): Packet {
	return { from, msg: { t: "ping", seq: 1, target }, updates, app: [] };
}

describe("incarnations beyond one plausible step", () => {
	test("a suspicion of us at 2^53 - 1 is ignored: our packets stay valid on the wire", () => {
		const swim = core(1, [2]);
		const out = swim.receive(
			{ id: 2, address: addr(2) },
			ping(2, 1, [{ t: "suspect", id: 1, inc: Number.MAX_SAFE_INTEGER, by: 2 }]),
			10,
		);
		expect(swim.incarnation).toBe(0);
		expect(swim.stats.implausibleUpdates).toBe(1);
		// Every packet we send (the ack carries our news) must pass a peer's schema; with a
		// refutation at 2^53 none would, and peers would find us dead for good.
		expect(out.packets.length).toBeGreaterThan(0);
		for (const sent of out.packets) {
			const decoded = decodePacket(encodePacket(sent.packet), config.maxPacketBytes);
			expect(decoded.ok).toBe(true);
		}
	});

	test("a death of a member far past its incarnation is ignored; a plausible one applies", () => {
		const swim = core(1, [2, 3]);
		swim.receive(
			{ id: 3, address: addr(3) },
			ping(3, 1, [{ t: "dead", id: 2, inc: Number.MAX_SAFE_INTEGER, by: 3 }]),
			10,
		);
		expect(swim.member(2)?.state).toBe("alive");
		expect(swim.member(2)?.incarnation).toBe(0);
		swim.receive(
			{ id: 3, address: addr(3) },
			ping(3, 1, [{ t: "suspect", id: 2, inc: 2 ** 32, by: 3 }]),
			20,
		);
		expect(swim.member(2)?.state).toBe("suspect");
	});

	test("an ordinary suspicion of us is still refuted at incarnation + 1", () => {
		const swim = core(1, [2]);
		swim.receive(
			{ id: 2, address: addr(2) },
			ping(2, 1, [{ t: "suspect", id: 1, inc: 7, by: 2 }]),
			10,
		);
		expect(swim.incarnation).toBe(8);
		expect(swim.stats.implausibleUpdates).toBe(0);
	});
});
