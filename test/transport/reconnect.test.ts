/**
 * A peer that goes away and comes back on the same port. Time is a ManualTimers, so the
 * backoff delays are exact and the redials happen when the test moves time, not on a sleep.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ManualTimers } from "../../edge/lock/timers.ts";
import { connectAll, isType, sample, startNode, type TestNode, until } from "./harness.ts";

const nodes: TestNode[] = [];
afterEach(() => {
	for (const n of nodes.splice(0)) n.transport.close();
});

const limits = { backoffBaseMs: 100, backoffMaxMs: 400 };

describe("reconnect with backoff", () => {
	test("a restarted peer is redialled with growing, capped delays, then reset once up", async () => {
		const timers = new ManualTimers();
		const a = startNode(1, { timers, random: () => 0.5, limits });
		const b = startNode(2);
		nodes.push(a, b);
		connectAll([a, b]);
		const port = b.transport.port;
		a.transport.send(2, sample(1, 2, 1));
		await a.events.next(isType("peer-up"));
		await until(() => b.received.length === 1, "the first message");

		b.transport.close();
		const down = await a.events.next(isType("peer-down"));
		expect(down).toMatchObject({ peer: 2, wasUp: true, reason: { kind: "remote-closed" } });
		expect(a.log.at("info")).toContain("peer 2 down: closed by the remote");
		// Down: sends are dropped and counted, not queued.
		expect(a.transport.send(2, sample(1, 2, 2))).toEqual({ sent: false, dropped: "peerDown" });

		// Three failed redials while node 2 is away: 75, 150, 300 ms (half a step plus half
		// of the other half), then the cap: 300 again.
		const scheduled = () => a.events.all.filter(isType("reconnect-scheduled"));
		for (let count = 1; count <= 3; count++) {
			await until(() => scheduled().length === count, `redial ${count} scheduled`);
			timers.advance(scheduled()[count - 1]?.delayMs ?? Number.NaN);
		}
		await until(() => scheduled().length === 4, "the fourth redial scheduled");
		const delays = scheduled().map((event) => event.delayMs);
		expect(delays).toEqual([75, 150, 300, 300]);
		expect(a.transport.stats().peers.get(2)?.link).toBe("backoff");
		expect(a.transport.stats().peers.get(2)?.reconnects).toBe(3);

		const back = startNode(2, { port });
		nodes.push(back);
		connectAll([a, back]);
		const ups = a.events.all.filter(isType("peer-up")).length;
		timers.advance(300);
		await until(() => a.events.all.filter(isType("peer-up")).length === ups + 1, "peer 2 up again");
		a.transport.send(2, sample(1, 2, 3));
		await until(() => back.received.length === 1, "a message to the restarted peer");
		expect(back.received[0]?.message.term).toBe(3);

		// Up again resets the backoff: the next loss waits the first delay.
		const mark = a.events.all.length;
		back.transport.close();
		const again = await a.events.next(isType("reconnect-scheduled"), mark);
		expect(again).toMatchObject({ attempt: 1, delayMs: 75 });
		const stats = a.transport.stats().peers.get(2);
		expect(stats?.ups).toBe(2);
		expect(stats?.dropped.peerDown).toBe(1);
	});

	test("messages sent while connecting queue up to the limit and go out once welcomed", async () => {
		const a = startNode(1, { limits: { maxQueuedMessages: 3 } });
		const b = startNode(2);
		nodes.push(a, b);
		connectAll([a, b]);
		const outcomes = [1, 2, 3, 4].map((term) => a.transport.send(2, sample(1, 2, term)));
		expect(outcomes.map((o) => (o.sent ? o.how : o.dropped))).toEqual([
			"queued",
			"queued",
			"queued",
			"queueFull",
		]);
		await until(() => b.received.length === 3, "the queued messages");
		expect(b.received.map((r) => r.message.term)).toEqual([1, 2, 3]);
		expect(a.transport.stats().peers.get(2)?.dropped.queueFull).toBe(1);
	});

	test("a peer that is not listening: the queue is dropped and counted, redial scheduled", async () => {
		const timers = new ManualTimers();
		const probe = startNode(9);
		const deadPort = probe.transport.port;
		probe.transport.close();
		const a = startNode(1, { timers, random: () => 0 });
		nodes.push(a);
		a.transport.setPeer(2, { host: "127.0.0.1", port: deadPort });
		a.transport.send(2, sample(1, 2, 1));
		a.transport.send(2, sample(1, 2, 2));
		const down = await a.events.next(isType("peer-down"));
		expect(down).toMatchObject({ wasUp: false, reason: { kind: "connect-failed" } });
		expect(a.transport.stats().peers.get(2)?.dropped.peerDown).toBe(2);
		expect(timers.pending).toBe(1);
		expect(
			a.log.at("debug").some((l) => l.startsWith("link to node 2 not made: connect failed")),
		).toBe(true);
	});

	test("a dial that is never welcomed times out and is retried later", async () => {
		const timers = new ManualTimers();
		// A listener that accepts and says nothing.
		const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {} } });
		try {
			const a = startNode(1, { timers, random: () => 0 });
			nodes.push(a);
			a.transport.setPeer(2, { host: "127.0.0.1", port: silent.port });
			a.transport.send(2, sample(1, 2, 1));
			expect(timers.pending).toBe(1);
			timers.advance(3_000);
			const down = await a.events.next(isType("peer-down"));
			expect(down.reason).toEqual({ kind: "handshake-timeout", ms: 3_000 });
			expect(timers.pending).toBe(1);
		} finally {
			silent.stop(true);
		}
	});
});
