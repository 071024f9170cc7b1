/**
 * Stores gossiping through the adapter over a seeded fake network that drops, duplicates
 * and reorders batches, with a digest push-pull now and then. After the writes stop and
 * a few clean rounds run, every replica must hold the same state, and each counter must
 * equal the exact number of increments made anywhere.
 */
import { describe, expect, test } from "bun:test";
import { CrdtGossipAdapter } from "../../cluster/crdt/gossip-adapter.ts";
import { replicaIdOf } from "../../cluster/crdt/replica.ts";
import { CrdtStore } from "../../cluster/crdt/store.ts";
import { Prng } from "../../cluster/sim/prng.ts";
import { canonical } from "./histories.ts";

interface Node {
	readonly id: number;
	readonly store: CrdtStore;
	readonly adapter: CrdtGossipAdapter;
}

interface Message {
	readonly from: number;
	readonly to: number;
	readonly items: unknown[];
}

function snapshot(store: CrdtStore): string {
	return canonical(store.keys().map((k) => [k, store.stateOf(k)]));
}

function converged(nodes: readonly Node[]): boolean {
	const first = snapshot((nodes[0] as Node).store);
	return nodes.every((n) => snapshot(n.store) === first);
}

function run(nodesCount: number, seed: number): { nodes: Node[]; totals: Map<string, number> } {
	const rng = new Prng(seed);
	let now = 1_000;
	const nodes: Node[] = Array.from({ length: nodesCount }, (_, id) => {
		const store = new CrdtStore({ replica: replicaIdOf(id), clock: () => now });
		return { id, store, adapter: new CrdtGossipAdapter(store, () => {}) };
	});
	const totals = new Map<string, number>();
	let inFlight: Message[] = [];
	const node = (i: number) => nodes[i] as Node;

	const gossipRound = (faulty: boolean) => {
		for (const from of nodes) {
			for (let k = 0; k < 2; k++) {
				const to = rng.int(0, nodesCount - 1);
				if (to === from.id) continue;
				// JSON on the way, as a datagram would carry it.
				const items = JSON.parse(JSON.stringify(from.adapter.take(to, 1400))) as unknown[];
				if (faulty && rng.chance(0.2)) continue; // dropped
				inFlight.push({ from: from.id, to, items });
				if (faulty && rng.chance(0.1)) inFlight.push({ from: from.id, to, items }); // duplicated
			}
		}
		// Reordered: deliver a random share now, keep the rest for later rounds.
		const later: Message[] = [];
		for (const m of inFlight) {
			if (faulty && rng.chance(0.3)) later.push(m);
			else node(m.to).adapter.receive(m.from, m.items);
		}
		inFlight = later;
	};

	const pushPull = () => {
		const a = node(rng.int(0, nodesCount - 1));
		const b = node(rng.int(0, nodesCount - 1));
		if (a === b) return;
		const stateA = JSON.parse(JSON.stringify(a.adapter.localState()));
		const stateB = JSON.parse(JSON.stringify(b.adapter.localState()));
		b.adapter.mergeRemote(a.id, stateA);
		a.adapter.mergeRemote(b.id, stateB);
	};

	for (let round = 0; round < 40; round++) {
		now += rng.int(0, 20);
		for (const n of nodes) {
			for (let op = 0; op < 5; op++) {
				const pop = `hits:pop-${rng.int(0, 4)}`;
				const by = rng.int(1, 3);
				n.store.incr(pop, by);
				totals.set(pop, (totals.get(pop) ?? 0) + by);
			}
			if (rng.chance(0.3)) n.store.decr("in-flight", 1);
			if (rng.chance(0.3)) n.store.incr("in-flight", 2);
			if (rng.chance(0.2)) n.store.set("config:ttl", rng.int(1, 100));
			if (rng.chance(0.2)) n.store.add("pops", `pop-${rng.int(0, 6)}`);
			if (rng.chance(0.1)) n.store.remove("pops", `pop-${rng.int(0, 6)}`);
		}
		gossipRound(true);
		if (round % 5 === 0) pushPull();
	}
	let inc = 0;
	let dec = 0;
	for (const n of nodes) {
		const s = n.store.stateOf("in-flight");
		if (s?.kind === "pncounter") {
			inc += s.state.p[n.store.replica] ?? 0;
			dec += s.state.n[n.store.replica] ?? 0;
		}
	}
	totals.set("in-flight", inc - dec);
	// Heal: deliver what is left, then clean gossip with anti-entropy until quiet.
	for (const m of inFlight) node(m.to).adapter.receive(m.from, m.items);
	// Bounded: a run that has not converged after 200 clean rounds fails below.
	for (let round = 0; round < 200 && !converged(nodes); round++) {
		gossipRound(false);
		for (const a of nodes) {
			const b = node((a.id + 1 + round) % nodesCount);
			if (a !== b) b.adapter.mergeRemote(a.id, a.adapter.localState());
		}
	}
	return { nodes, totals };
}

describe("convergence over a lossy, duplicating, reordering network", () => {
	for (const [size, seed] of [
		[5, 1],
		[5, 2],
		[20, 3],
		[20, 4],
	] as const) {
		test(`${size} stores, seed ${seed}: identical states, exact counter totals`, {
			timeout: 30_000,
		}, () => {
			const { nodes, totals } = run(size, seed);
			const first = snapshot((nodes[0] as Node).store);
			for (const n of nodes) expect(snapshot(n.store)).toBe(first);
			for (const [key, total] of totals) {
				for (const n of nodes) expect(n.store.count(key)).toBe(total);
			}
			const rejected = nodes.reduce((sum, n) => sum + n.adapter.stats.rejected, 0);
			expect(rejected).toBe(0);
		});
	}
});
