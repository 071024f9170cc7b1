/**
 * Three node.ts processes under concurrent clients while the leader is SIGKILLed and later
 * restarted. Six clients run puts, gets, compare-and-sets and deletes on three shared keys
 * (plus puts to keys of their own), recording each operation's call and return times, and
 * unknown outcomes for those that got no answer in time. Afterwards:
 *   - a new leader, in a higher term, was reported within two election timeouts of the kill;
 *   - the restarted member caught up with the leader's commit index;
 *   - every acknowledged put to a client's own key is there;
 *   - the whole history is linearizable (cluster/sim/linearizability.ts).
 * Every wait polls a condition with a deadline; the load runs for fixed phases around them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as v from "valibot";
import { KeyAnswer } from "../../cluster/kv/http-api.ts";
import { boundAbandonedWrites } from "../../cluster/sim/client.ts";
import { checkLinearizable } from "../../cluster/sim/linearizability.ts";
import { Prng } from "../../cluster/sim/prng.ts";
import { HistoryClient } from "./history-client.ts";
import { MemberCluster, pollUntil } from "./member-cluster.ts";

const IDS = [1, 2, 3];
const CLIENTS = 6;
/** Load before the kill, between the kill and the restart, and after the restart. */
const PHASE_MS = 1500;
const cluster = new MemberCluster(IDS, { tickMs: 100, electionTicks: 10, heartbeatTicks: 2 });

beforeAll(async () => {
	await Promise.all(IDS.map((id) => cluster.start(id)));
	await pollUntil("a first leader", () => cluster.leader());
}, 30_000);

afterAll(() => cluster.stopAll());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a real cluster under concurrent clients, its leader killed and restarted", () => {
	test("a prompt new leader, no acknowledged write lost, a linearizable history", async () => {
		let stopped = false;
		const clients = Array.from(
			{ length: CLIENTS },
			(_, i) =>
				new HistoryClient({
					id: i + 1,
					endpoints: () => [...cluster.api.values()],
					keys: ["a", "b", "c"],
					rng: new Prng(1000 + i),
					opTimeoutMs: 4000,
					ledgerEvery: 5,
				}),
		);
		const running = clients.map((client) => client.run(() => stopped));

		await pause(PHASE_MS);
		const old = await pollUntil("the current leader", () => cluster.leader());
		const killedAt = performance.now();
		await cluster.kill(old.id);
		const next = await pollUntil("a new leader", () => cluster.leader(old.term), 10_000, 5);
		const electedMs = performance.now() - killedAt;

		await pause(PHASE_MS);
		await cluster.start(old.id);
		// Caught up: the restarted member applied everything the leader had committed.
		const target = await pollUntil("the leader's commit index", async () => {
			const leader = await cluster.leader();
			return leader === undefined ? undefined : (await cluster.metrics(leader.id))?.commit;
		});
		await pollUntil(`member ${old.id} to apply up to ${target}`, async () => {
			const m = await cluster.metrics(old.id);
			return m !== undefined && m.applied >= target ? true : undefined;
		});

		await pause(PHASE_MS);
		stopped = true;
		await Promise.all(running);

		expect(next.id).not.toBe(old.id);
		expect(electedMs).toBeLessThan(2 * cluster.electionTimeoutMs);

		const history = clients.flatMap((client) => boundAbandonedWrites(client.history));
		const answered = history.filter((op) => op.result !== undefined);
		expect(answered.length).toBeGreaterThan(100);

		const endpoints = [...cluster.api.values()];
		for (const client of clients) {
			for (const [key, value] of client.acknowledged) {
				const got = await fetchFromAny(endpoints, key);
				expect({ key, value: got.value }).toEqual({ key, value });
			}
		}
		expect(clients.some((client) => client.acknowledged.size > 0)).toBe(true);

		expect(checkLinearizable(history)).toEqual({ ok: true });
	}, 30_000);
});

/** A linearizable read through whichever member answers (followers redirect). */
async function fetchFromAny(endpoints: readonly string[], key: string): Promise<KeyAnswer> {
	for (const endpoint of endpoints) {
		const response = await fetch(`${endpoint}/v1/kv/${key}`).catch(() => undefined);
		if (response === undefined) continue;
		if (response.status === 503) {
			const leader = ((await response.json()) as { leader: string | null }).leader;
			if (leader === null) continue;
			return v.parse(KeyAnswer, await (await fetch(`${leader}/v1/kv/${key}`)).json());
		}
		return v.parse(KeyAnswer, await response.json());
	}
	throw new Error(`no member answered a read of ${key}`);
}
