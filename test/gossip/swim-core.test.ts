import { describe, expect, test } from "bun:test";
import { swimConfig } from "../../cluster/gossip/config.ts";
import type { Packet, PushPullState } from "../../cluster/gossip/messages.ts";
import type { Output } from "../../cluster/gossip/output.ts";
import { Swim } from "../../cluster/gossip/swim.ts";
import type { NodeMeta } from "../../cluster/gossip/types.ts";
import { Prng } from "../../cluster/sim/prng.ts";

const meta: NodeMeta = { role: "pop", pop: "fra1", edgeAddress: "", raftAddress: "" };
const addr = (id: number) => `10.0.0.${id}:7946`;
const peer = (id: number) => ({ id, address: addr(id) });
const config = swimConfig({ pushPullIntervalMs: 1_000_000 });

function core(id: number, extra: Partial<ConstructorParameters<typeof Swim>[0]> = {}): Swim {
	const rng = new Prng(id);
	return new Swim({
		id,
		address: addr(id),
		meta,
		config,
		random: () => rng.next(),
		now: 0,
		...extra,
	});
}

/** A core that knows members 2..n as alive at incarnation 0. */
function coreKnowing(id: number, others: number[]): Swim {
	const swim = core(id);
	swim.mergeRemoteState(stateOf(others), 0);
	return swim;
}

function stateOf(ids: number[], inc = 0): PushPullState {
	return {
		from: ids[0] as number,
		address: addr(ids[0] as number),
		members: ids.map((id) => ({ id, address: addr(id), inc, state: "alive" as const, meta })),
	};
}

function ping(from: number, target: number, seq: number, updates: Packet["updates"] = []): Packet {
	return { from, msg: { t: "ping", seq, target }, updates, app: [] };
}

/** Ticks until the core sends a packet of `type`; returns it with the time. */
function tickUntil(swim: Swim, type: string, from: number, limit = 60_000) {
	for (let now = from; now <= from + limit; now += 10) {
		const out = swim.tick(now);
		const sent = out.packets.find((p) => p.packet.msg.t === type);
		if (sent !== undefined) return { sent, now, out };
	}
	throw new Error(`no ${type} within ${limit} ms`);
}

function kinds(out: Output): string[] {
	return out.events.map((e) => `${e.member.id}:${e.kind}`);
}

describe("SWIM core", () => {
	test("learns members from push-pull and reports them alive", () => {
		const swim = core(1);
		const out = swim.mergeRemoteState(stateOf([2, 3]), 0);
		expect(kinds(out)).toEqual(["2:alive", "3:alive"]);
		expect(swim.liveMembers().map((m) => m.id)).toEqual([2, 3]);
	});

	test("answers a ping for itself with an ack to the sender's address, and not one for another id", () => {
		const swim = core(1);
		const out = swim.receive(peer(2), ping(2, 1, 42), 0);
		expect(out.packets.map((p) => [p.to, p.packet.msg])).toEqual([
			[addr(2), { t: "ack", seq: 42 }],
		]);
		expect(swim.receive(peer(2), ping(2, 9, 43), 0).packets).toEqual([]);
	});

	test("an acked probe suspects nobody", () => {
		const swim = coreKnowing(1, [2]);
		const { sent, now } = tickUntil(swim, "ping", 0);
		const seq = (sent.packet.msg as { seq: number }).seq;
		swim.receive(peer(2), { from: 2, msg: { t: "ack", seq }, updates: [], app: [] }, now + 5);
		const out = swim.tick(now + config.probeIntervalMs);
		expect(kinds(out)).toEqual([]);
		expect(swim.member(2)?.state).toBe("alive");
	});

	test("no ack: ping-req to k helpers after the probe timeout, suspect at the period's end, dead when the timer runs out", () => {
		const swim = coreKnowing(1, [2, 3, 4, 5]);
		const { sent, now } = tickUntil(swim, "ping", 0);
		const target = sent.toId;
		const reqs = swim.tick(now + config.probeTimeoutMs).packets;
		expect(reqs).toHaveLength(3);
		expect(reqs.every((r) => r.packet.msg.t === "pingReq" && r.toId !== target)).toBe(true);
		const end = swim.tick(now + config.probeIntervalMs);
		expect(kinds(end)).toContain(`${target}:suspect`);
		expect(end.notes.some((n) => n.includes("suspected"))).toBe(true);
		// Nobody confirms: the longest timeout, 6 × 4 s for n = 5.
		const started = now + config.probeIntervalMs;
		let declaredAt = -1;
		for (let t = started; t <= started + 30_000 && declaredAt < 0; t += 100) {
			if (kinds(swim.tick(t)).includes(`${target}:dead`)) declaredAt = t;
		}
		expect(declaredAt - started).toBeGreaterThanOrEqual(24_000);
		expect(declaredAt - started).toBeLessThan(24_200);
	});

	test("independent confirmations shorten the suspicion to its minimum", () => {
		const swim = coreKnowing(1, [2, 3, 4, 5]);
		const suspect = (by: number) => ({ t: "suspect" as const, id: 2, inc: 0, by });
		swim.receive(peer(3), ping(3, 1, 1, [suspect(3)]), 1000);
		const confirmed = swim.receive(peer(4), ping(4, 1, 2, [suspect(4)]), 1100);
		expect(confirmed.notes.some((n) => n.includes("confirmed by 4"))).toBe(true);
		swim.receive(peer(5), ping(5, 1, 3, [suspect(5)]), 1200);
		expect(kinds(swim.tick(4999))).not.toContain("2:dead");
		expect(kinds(swim.tick(5000))).toContain("2:dead");
	});

	test("an alive with a higher incarnation clears a suspicion (refutation)", () => {
		const swim = coreKnowing(1, [2, 3]);
		swim.receive(peer(3), ping(3, 1, 1, [{ t: "suspect", id: 2, inc: 0, by: 3 }]), 0);
		expect(swim.member(2)?.state).toBe("suspect");
		const alive = { t: "alive" as const, id: 2, address: addr(2), inc: 1, meta };
		const out = swim.receive(peer(2), ping(2, 1, 2, [alive]), 10);
		expect(kinds(out)).toEqual(["2:alive"]);
		expect(kinds(swim.tick(60_000))).not.toContain("2:dead");
	});

	test("hearing itself suspected or dead, a node bumps its incarnation and gossips alive", () => {
		const swim = coreKnowing(1, [2]);
		const out = swim.receive(peer(2), ping(2, 1, 1, [{ t: "dead", id: 1, inc: 0, by: 2 }]), 0);
		expect(swim.incarnation).toBe(1);
		expect(out.notes.some((n) => n.includes("refuting dead"))).toBe(true);
		expect(swim.healthScore).toBe(1);
		const ack = out.packets[0]?.packet;
		expect(ack?.updates).toContainEqual({ t: "alive", id: 1, address: addr(1), inc: 1, meta });
		// Old news about us changes nothing.
		swim.receive(peer(2), ping(2, 1, 2, [{ t: "suspect", id: 1, inc: 0, by: 2 }]), 0);
		expect(swim.incarnation).toBe(1);
	});

	test("graceful leave tells every live member and then stays silent", () => {
		const swim = coreKnowing(1, [2, 3]);
		const out = swim.leave(0);
		expect(out.packets.map((p) => p.toId).sort()).toEqual([2, 3]);
		for (const p of out.packets)
			expect(p.packet.updates).toContainEqual({ t: "left", id: 1, inc: 1 });
		expect(kinds(out)).toEqual(["1:left"]);
		expect(swim.tick(100_000).packets).toEqual([]);
		expect(swim.receive(peer(2), ping(2, 1, 1), 0).packets).toEqual([]);
		const other = coreKnowing(2, [1, 3]);
		expect(kinds(other.receive(peer(1), out.packets[0]?.packet as Packet, 0))).toEqual(["1:left"]);
	});

	test("metadata updates are versioned by incarnation; the newest wins and raises a meta event", () => {
		const a = core(1);
		const b = coreKnowing(2, [1]);
		const newMeta: NodeMeta = { ...meta, edgeAddress: "10.1.0.1:8080" };
		expect(kinds(a.updateMeta(newMeta, 0))).toEqual(["1:meta"]);
		a.mergeRemoteState(stateOf([2]), 0);
		const { sent } = tickUntil(a, "ping", 0);
		expect(kinds(b.receive(peer(1), sent.packet, 0))).toEqual(["1:meta"]);
		expect(b.member(1)?.meta).toEqual(newMeta);
		expect(b.member(1)?.incarnation).toBe(1);
	});

	test("push-pull brings dead members in as suspects, so a healed side can refute", () => {
		const swim = coreKnowing(1, [2, 3]);
		const state = stateOf([3, 2]);
		const withDead: PushPullState = {
			...state,
			members: state.members.map((m) => (m.id === 2 ? { ...m, state: "dead" as const } : m)),
		};
		expect(kinds(swim.mergeRemoteState(withDead, 0))).toEqual(["2:suspect"]);
	});

	test("an intermediary relays the target's ack under the asker's seq, or nacks in time", () => {
		const helper = coreKnowing(3, [1, 2]);
		const req: Packet = {
			from: 1,
			msg: { t: "pingReq", seq: 77, target: 2, targetAddress: addr(2) },
			updates: [],
			app: [],
		};
		const out = helper.receive(peer(1), req, 0);
		const probe = out.packets[0];
		if (probe === undefined) throw new Error("the helper sent no ping");
		expect(probe.to).toBe(addr(2));
		const seq = (probe.packet.msg as { seq: number }).seq;
		const relayed = helper.receive(
			peer(2),
			{ from: 2, msg: { t: "ack", seq }, updates: [], app: [] },
			5,
		);
		expect(relayed.packets.map((p) => [p.to, p.packet.msg])).toEqual([
			[addr(1), { t: "ack", seq: 77 }],
		]);

		helper.receive(peer(1), { ...req, msg: { ...req.msg, seq: 78 } }, 1000);
		const nack = helper.tick(1000 + config.probeTimeoutMs);
		expect(nack.packets.map((p) => p.packet.msg)).toContainEqual({ t: "nack", seq: 78 });
	});

	test("a failed probe without nacks raises the health score and stretches the next period", () => {
		const swim = coreKnowing(1, [2]);
		const first = tickUntil(swim, "ping", 0);
		swim.tick(first.now + config.probeTimeoutMs);
		swim.tick(first.now + config.probeIntervalMs);
		expect(swim.healthScore).toBe(1);
		expect(swim.nextDeadline()).toBeLessThanOrEqual(first.now + config.probeIntervalMs * 3);
		expect(swim.tick(first.now + config.probeIntervalMs * 2).packets).toEqual([]);
	});
});

describe("application channel", () => {
	test("piggybacked items ride within the packet budget and reach the receiver's hook", () => {
		const received: unknown[][] = [];
		const a = core(1, {
			piggyback: { take: (_to, budget) => (budget > 20 ? ["delta-1"] : []), receive: () => {} },
		});
		const b = core(2, {
			piggyback: { take: () => [], receive: (_from, items) => received.push(items) },
		});
		const out = a.receive(peer(2), ping(2, 1, 1), 0);
		expect(out.packets[0]?.packet.app).toEqual(["delta-1"]);
		b.receive(peer(1), out.packets[0]?.packet as Packet, 0);
		expect(received).toEqual([["delta-1"]]);
	});

	test("items over the budget are dropped and counted; a throwing hook is counted, not fatal", () => {
		const big = core(1, { piggyback: { take: () => ["x".repeat(5000)], receive: () => {} } });
		const out = big.receive(peer(2), ping(2, 1, 1), 0);
		expect(out.packets[0]?.packet.app).toEqual([]);
		expect(big.stats.appOverBudget).toBe(1);
		const throwing = core(1, {
			piggyback: {
				take: () => {
					throw new Error("app bug");
				},
				receive: () => {
					throw new Error("app bug");
				},
			},
			appState: {
				localState: () => {
					throw new Error("app bug");
				},
				mergeRemote: () => {
					throw new Error("app bug");
				},
			},
		});
		const reply = throwing.receive(peer(2), { ...ping(2, 1, 1), app: ["x"] }, 0);
		expect(reply.packets).toHaveLength(1);
		expect(throwing.localState().app).toBeUndefined();
		throwing.mergeRemoteState({ ...stateOf([2]), app: 1 }, 0);
		expect(throwing.stats.appHookErrors).toBe(4);
	});

	test("push-pull carries the app state both ways", () => {
		const merged: unknown[] = [];
		const a = core(1, { appState: { localState: () => ({ hits: 3 }), mergeRemote: () => {} } });
		const b = core(2, {
			appState: { localState: () => null, mergeRemote: (_f, s) => merged.push(s) },
		});
		b.mergeRemoteState(a.localState(), 0);
		expect(merged).toEqual([{ hits: 3 }]);
	});
});
