/**
 * Regressions for the false positives and the dead leaver the simulator found (seeds 671,
 * 1713, 1834, 1838, 5409): one test per root cause, each failing on the code before its fix.
 */
import { describe, expect, test } from "bun:test";
import { BroadcastQueue } from "../../cluster/gossip/broadcast-queue.ts";
import { swimConfig } from "../../cluster/gossip/config.ts";
import type { Packet, PushPullState, Update } from "../../cluster/gossip/messages.ts";
import { suspicionTimeoutMs, suspicionTimeouts } from "../../cluster/gossip/suspicion.ts";
import { Swim } from "../../cluster/gossip/swim.ts";
import type { NodeMeta } from "../../cluster/gossip/types.ts";
import { Prng } from "../../cluster/sim/prng.ts";

const meta: NodeMeta = { role: "pop", pop: "fra1", edgeAddress: "", raftAddress: "" };
const addr = (id: number) => `10.0.0.${id}:7946`;
const peer = (id: number) => ({ id, address: addr(id) });
const config = swimConfig({ pushPullIntervalMs: 1_000_000 });

function coreKnowing(id: number, others: number[], from = others[0] as number): Swim {
	const rng = new Prng(id);
	const swim = new Swim({ id, address: addr(id), meta, config, random: () => rng.next(), now: 0 });
	swim.mergeRemoteState(stateOf(from, others), 0);
	return swim;
}

function stateOf(from: number, ids: number[], states: Record<number, "suspect" | "dead"> = {}) {
	return {
		from,
		address: addr(from),
		members: ids.map((id) => ({
			id,
			address: addr(id),
			inc: 0,
			state: states[id] ?? "alive",
			meta,
		})),
	} satisfies PushPullState;
}

const aliveOf = (id: number, inc: number): Update => ({
	t: "alive",
	id,
	address: addr(id),
	inc,
	meta,
});
const ack = (from: number, seq: number, updates: Update[]): Packet => ({
	from,
	msg: { t: "ack", seq },
	updates,
	app: [],
});

/** Every update a core sends over the next `ms` of ticking, with its destination. */
function sentOver(swim: Swim, from: number, ms: number): { to: number; update: Update }[] {
	const sent: { to: number; update: Update }[] = [];
	for (let now = from; now <= from + ms; now += 10) {
		for (const p of swim.tick(now).packets) {
			for (const update of p.packet.updates) sent.push({ to: p.toId, update });
		}
	}
	return sent;
}

describe("push-pull hearsay is not an independent confirmation (seeds 671, 1713)", () => {
	test("a suspicion from a push-pull is not gossiped under the pusher's name, only told to its subject", () => {
		const a = coreKnowing(1, [2, 3, 4, 5]);
		const out = a.mergeRemoteState(stateOf(3, [2, 3, 4, 5], { 2: "suspect" }), 100);
		expect(a.member(2)?.state).toBe("suspect");
		// The subject hears it at once, attributed to us (we are the one whose timer runs).
		expect(out.packets.map((p) => [p.toId, p.packet.updates[0]])).toEqual([
			[2, { t: "suspect", id: 2, inc: 0, by: 1 }],
		]);
		// Nobody else gets it under 3's name: at another node that would count as 3 confirming,
		// though 3 never probed 2. (Our own probe of 2, failing later, is a real voice: ours.)
		const sent = sentOver(a, 100, 10_000);
		expect(
			sent.some((s) => s.update.t === "suspect" && s.update.id === 2 && s.update.by === 3),
		).toBe(false);
		expect(
			sent
				.filter((s) => s.update.id === 2 && s.to !== 2 && s.update.t === "suspect")
				.every((s) => s.update.t === "suspect" && s.update.by === 1),
		).toBe(true);
	});

	test("so a real suspicion elsewhere is not shortened by laundered confirmations", () => {
		// 4 suspects 2 for real; 1 learns it by push-pull from 3 and gossips whatever it queued.
		const relay = coreKnowing(1, [2, 3, 4, 5]);
		relay.mergeRemoteState(stateOf(3, [2, 3, 4, 5], { 2: "suspect" }), 0);
		const observer = coreKnowing(5, [1, 2, 3, 4]);
		observer.receive(peer(4), ack(4, 1, [{ t: "suspect", id: 2, inc: 0, by: 4 }]), 0);
		// (What 1 sends to 2 itself, telling it that it is suspected, never reaches 5.)
		for (const { to, update } of sentOver(relay, 0, 5_000)) {
			if (to !== 2) observer.receive(peer(1), ack(1, 999, [update]), 10);
		}
		// Only 4's voice: no confirmation, so the longest timeout (6 × 4 s), not the shortest.
		expect(observer.tick(23_000).events.map((e) => e.kind)).not.toContain("dead");
	});
});

describe("a refutation reaches whoever still passes the suspicion on (seeds 671, 1834)", () => {
	test("a node holding the newer alive answers a stale suspicion's sender directly", () => {
		const b = coreKnowing(1, [2, 3, 4]);
		b.receive(peer(2), ack(2, 1, [aliveOf(2, 1)]), 0);
		const out = b.receive(peer(3), ack(3, 2, [{ t: "suspect", id: 2, inc: 0, by: 4 }]), 10);
		const to3 = out.packets.filter((p) => p.toId === 3);
		expect(to3).toHaveLength(1);
		expect(to3[0]?.packet.updates[0]).toEqual(aliveOf(2, 1));
		// On a ping, the ack itself carries the correction first.
		const pinged = b.receive(
			peer(4),
			{
				from: 4,
				msg: { t: "ping", seq: 5, target: 1 },
				updates: [{ t: "dead", id: 2, inc: 0, by: 4 }],
				app: [],
			},
			20,
		);
		expect(pinged.packets.map((p) => [p.toId, p.packet.msg.t, p.packet.updates[0]])).toEqual([
			[4, "ack", aliveOf(2, 1)],
		]);
	});

	test("the suspect itself answers whoever passes on a suspicion it refuted, and whoever told it first", () => {
		const s = coreKnowing(2, [1, 3, 4]);
		// 3 passes on 4's suspicion of us: we refute, to 4 (the suspecter) and 3 (the gossiper).
		const out = s.receive(peer(3), ack(3, 1, [{ t: "suspect", id: 2, inc: 0, by: 4 }]), 0);
		expect(s.incarnation).toBe(1);
		const told = out.packets.filter((p) => p.packet.updates[0]?.t === "alive").map((p) => p.toId);
		expect(told.sort()).toEqual([3, 4]);
		// Later 1 passes on the same, now stale, suspicion: it hears our alive at once.
		const later = s.receive(peer(1), ack(1, 2, [{ t: "suspect", id: 2, inc: 0, by: 4 }]), 100);
		expect(later.packets.map((p) => [p.toId, p.packet.updates[0]])).toEqual([[1, aliveOf(2, 1)]]);
	});

	test("our own news goes first and twice as often; an alive about the recipient is not spent on it", () => {
		const q = new BroadcastQueue();
		q.enqueue(aliveOf(1, 3), true);
		for (let id = 2; id < 6; id++) q.enqueue(aliveOf(id, 0));
		expect(q.take(10_000, 2)[0]).toEqual(aliveOf(1, 3));
		expect(q.take(10_000, 2, undefined, 1).map((u) => u.id)).not.toContain(1);
		for (let i = 0; i < 3; i++) expect(q.take(10_000, 2).map((u) => u.id)).toEqual([1]);
		expect(q.take(10_000, 2)).toEqual([]);
	});
});

describe("local health stretches the suspicion floor, not the bound (seed 1834)", () => {
	test("confirmations cannot bring an unhealthy node's timeout below min × (score + 1); max is the cap", () => {
		const t = suspicionTimeouts(3, 1000, 4, 6); // min 4 s, max 24 s, k = 1
		expect(suspicionTimeoutMs(t, 1)).toBe(4_000);
		expect(suspicionTimeoutMs(t, 1, 2)).toBe(12_000);
		expect(suspicionTimeoutMs(t, 0, 2)).toBe(24_000);
		expect(suspicionTimeoutMs(t, 1, 8)).toBe(24_000);
	});

	test("a core that missed its own acks waits longer after its own failed probe confirms", () => {
		const swim = coreKnowing(1, [2, 3]);
		swim.receive(peer(3), ack(3, 1, [{ t: "suspect", id: 2, inc: 0, by: 3 }]), 0);
		// Our probes go unanswered (no helper nacks either): health rises, and the failed
		// probe of 2 is the one confirmation k = 1 allows.
		let now = 0;
		for (; now < 8_000; now += 10) swim.tick(now);
		expect(swim.healthScore).toBeGreaterThan(0);
		expect(swim.member(2)?.state).toBe("suspect");
	});
});

describe("a graceful leave survives losing every goodbye datagram (seed 1838)", () => {
	test("leave also push-pulls with live members, whose merge turns a dead row into left", () => {
		const leaver = coreKnowing(1, [2, 3, 4, 5]);
		leaver.receive(peer(3), ack(3, 1, [{ t: "suspect", id: 5, inc: 0, by: 3 }]), 0);
		const out = leaver.leave(0);
		// Three partners (one may have crashed unnoticed), members held alive first.
		expect(out.pushPulls.map((p) => p.id).sort()).toEqual([2, 3, 4]);
		// The partner had already declared us dead (all pings lost, timer ran out).
		const partner = coreKnowing(2, [1, 3], 3);
		partner.receive(peer(3), ack(3, 1, [{ t: "dead", id: 1, inc: 0, by: 3 }]), 0);
		expect(partner.member(1)?.state).toBe("dead");
		partner.mergeRemoteState(leaver.localState(), 10);
		expect(partner.member(1)?.state).toBe("left");
		// And a dead about the leaver, heard later, does not undo it; its sender is told.
		const late = partner.receive(peer(3), ack(3, 2, [{ t: "dead", id: 1, inc: 1, by: 3 }]), 20);
		expect(partner.member(1)?.state).toBe("left");
		expect(late.packets.map((p) => [p.toId, p.packet.updates[0]])).toEqual([
			[3, { t: "left", id: 1, inc: 1 }],
		]);
	});
});

describe("a suspect hears of its suspicion after the gossip about it ran out (seed 5409)", () => {
	test("every packet to a member held suspect carries the suspicion, also once the queue's copy is spent", () => {
		// Three live nodes: 2 suspects 3 and tells us; our few sends of it all go to 2.
		const a = coreKnowing(1, [2, 3]);
		const suspicion: Update = { t: "suspect", id: 3, inc: 0, by: 2 };
		const ping = (from: number, seq: number, updates: Update[]): Packet => ({
			from,
			msg: { t: "ping", seq, target: 1 },
			updates,
			app: [],
		});
		a.receive(peer(2), ping(2, 1, [suspicion]), 0);
		expect(a.member(3)?.state).toBe("suspect");
		for (let seq = 2; seq < 12; seq++) a.receive(peer(2), ping(2, seq, []), seq);
		// The suspect pings us: the ack tells it (under our name: ours is the timer to stop).
		const told: Update = { t: "suspect", id: 3, inc: 0, by: 1 };
		const acked = a.receive(peer(3), ping(3, 1, []), 20);
		expect(acked.packets.map((p) => [p.toId, p.packet.msg.t, p.packet.updates[0]])).toEqual([
			[3, "ack", told],
		]);
		// And so does our own probe of it, whenever it comes round.
		const sent = sentOver(a, 30, 5_000).filter((s) => s.to === 3);
		expect(sent.length).toBeGreaterThan(0);
		expect(sent.filter((s) => s.update.id === 3)).toContainEqual({ to: 3, update: told });
	});
});
