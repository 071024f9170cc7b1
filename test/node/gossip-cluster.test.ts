/**
 * Five node.ts processes from one cluster file with gossip ports, on loopback. Counters are
 * incremented on every node (over HTTP and through neuroctl) and every node converges to
 * the exact total; then one node is SIGKILLed (after its increments had reached everyone),
 * every other node marks it dead within SWIM's detection bound, and increments and
 * decrements on the survivors converge again to the exact total of acknowledged steps.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as v from "valibot";
import { swimConfig } from "../../cluster/gossip/config.ts";
import { deadDetectionBoundMs } from "../../cluster/gossip/detection-bound.ts";
import {
	CounterAnswer,
	counterPath,
	GOSSIP_MEMBERS_PATH,
	GossipMembersAnswer,
} from "../../cluster/kv/crdt-api.ts";
import { type GossipTiming, MemberCluster, pollUntil } from "./member-cluster.ts";
import { runCtl } from "./node-process.ts";

const IDS = [1, 2, 3, 4, 5];
const VICTIM = 5;
const GOSSIP: GossipTiming = { probeIntervalMs: 150, probeTimeoutMs: 75, pushPullIntervalMs: 2000 };
const cluster = new MemberCluster(
	IDS,
	{ tickMs: 100, electionTicks: 10, heartbeatTicks: 2 },
	[],
	GOSSIP,
);

async function getJson<T>(id: number, path: string, schema: v.GenericSchema<unknown, T>) {
	try {
		const response = await fetch(`${cluster.api.get(id)}${path}`, {
			signal: AbortSignal.timeout(1000),
		});
		if (!response.ok) return undefined;
		return v.parse(schema, await response.json());
	} catch {
		return undefined;
	}
}

const total = (id: number) => getJson(id, counterPath("hits"), CounterAnswer).then((a) => a?.value);
const members = (id: number) => getJson(id, GOSSIP_MEMBERS_PATH, GossipMembersAnswer);

/** One step over HTTP; the amount counts only if the node acknowledged it (200). */
async function step(id: number, direction: "incr" | "decr", by: number): Promise<number> {
	const response = await fetch(`${cluster.api.get(id)}${counterPath("hits", direction)}`, {
		method: "POST",
		body: JSON.stringify({ by }),
	});
	expect(response.status).toBe(200);
	return direction === "incr" ? by : -by;
}

function ctl(id: number, ...args: string[]) {
	return runCtl(args, { endpoints: [cluster.api.get(id) ?? ""] });
}

/** Every node in `ids` reports `expected` as the counter's total. */
function converged(ids: readonly number[], expected: number) {
	return pollUntil(
		`every node in ${ids.join(",")} to count ${expected}`,
		async () => {
			const seen = await Promise.all(ids.map(total));
			return seen.every((value) => value === expected) ? seen : undefined;
		},
		10_000,
		25,
	);
}

beforeAll(async () => {
	await Promise.all(IDS.map((id) => cluster.start(id)));
	// Every node sees all five alive: seeds that started late were retried while alone.
	await pollUntil(
		"every node to see five members alive",
		async () => {
			const views = await Promise.all(IDS.map(members));
			return views.every((view) => view?.members.filter((m) => m.state === "alive").length === 5)
				? views
				: undefined;
		},
		15_000,
		25,
	);
}, 40_000);

afterAll(() => cluster.stopAll());

describe("gossip and CRDT counters across five node.ts processes", () => {
	test("counters converge to the exact total; a SIGKILLed node is marked dead by all", async () => {
		let expected = 0;
		// Before the kill: every node, the victim included, steps the counter.
		for (const id of IDS)
			for (let round = 1; round <= 3; round++) expected += await step(id, "incr", id * round);
		const viaCtl = await ctl(VICTIM, "--json", "incr", "hits", "7");
		expect(viaCtl.code).toBe(0);
		expect(v.parse(CounterAnswer, JSON.parse(viaCtl.stdout)).name).toBe("hits");
		expected += 7;
		// The victim's increments reach everyone before it dies: nothing is lost with it.
		await converged(IDS, expected);

		const view = await members(1);
		expect(view?.members.find((m) => m.id === VICTIM)?.meta).toMatchObject({
			role: "control",
			raftAddress: cluster.raft.get(VICTIM),
		});

		await cluster.kill(VICTIM);
		const killedAt = performance.now();
		const live = IDS.filter((id) => id !== VICTIM);
		const config = swimConfig(GOSSIP);
		// Each survivor's own probing finds it within this bound even at the worst local
		// health (the simulator's assertion); a probe period on top for timer slop.
		const boundMs =
			deadDetectionBoundMs(IDS.length, config, config.awarenessMax) + GOSSIP.probeIntervalMs;
		await pollUntil(
			`every survivor to mark node ${VICTIM} dead`,
			async () => {
				const views = await Promise.all(live.map(members));
				const dead = views.every(
					(view) => view?.members.find((m) => m.id === VICTIM)?.state === "dead",
				);
				return dead ? views : undefined;
			},
			boundMs,
			25,
		);
		expect(performance.now() - killedAt).toBeLessThan(boundMs);

		// After the kill: survivors keep counting, down too, and agree on the exact total.
		for (const id of live) {
			expected += await step(id, "incr", 10 * id);
			expected += await step(id, "decr", id);
		}
		const seen = await converged(live, expected);
		expect(seen).toEqual(live.map(() => expected));

		const read = await ctl(2, "--json", "get", "hits", "--counter");
		expect(read.code).toBe(0);
		expect(v.parse(CounterAnswer, JSON.parse(read.stdout)).value).toBe(expected);
		const table = await ctl(3, "--json", "members", "--gossip");
		expect(table.code).toBe(0);
		const rows = v.parse(GossipMembersAnswer, JSON.parse(table.stdout)).members;
		expect(rows.map((m) => [m.id, m.state])).toEqual([
			[1, "alive"],
			[2, "alive"],
			[3, "alive"],
			[4, "alive"],
			[5, "dead"],
		]);
	}, 45_000);
});
