/**
 * Sessions survive a snapshot and restore exactly: over many seeds, a store fed a random
 * log (clients writing in order, retries of the same seq, abandoned older seqs arriving
 * late, seqs past an unknown session, writes without a session, a bound that expires
 * sessions all the time) is snapshotted at a random point and restored into a fresh store;
 * both then apply the rest of the log and must give every entry the same outcome and end
 * with the same snapshot bytes. What every replica relies on when one installs a leader's
 * snapshot or restarts from its own. A failure names its seed.
 */
import { describe, expect, test } from "bun:test";
import { encodeCommand } from "../../cluster/kv/command.ts";
import { KvStore } from "../../cluster/kv/store.ts";
import { Prng } from "../../cluster/sim/prng.ts";

const SEEDS = 300;
const ENTRIES = 200;

/** A random log: each entry a command of one of a few clients, often a retry or a stale one. */
function randomLog(rng: Prng): string[] {
	const clients = rng.int(2, 8);
	const next = new Map<number, number>();
	const log: string[] = [];
	for (let i = 0; i < ENTRIES; i++) {
		const roll = rng.next();
		if (roll < 0.05) {
			log.push("");
			continue;
		}
		const client = rng.int(1, clients);
		const last = next.get(client) ?? 0;
		// Mostly the next seq; else a retry, an abandoned older seq, a jump, or no session.
		const kind = rng.next();
		let seq: number;
		if (kind < 0.6 || last === 0) seq = last + 1;
		else if (kind < 0.8) seq = last;
		else if (kind < 0.9) seq = rng.int(1, last);
		else if (kind < 0.95) seq = last + rng.int(2, 4);
		else seq = 0;
		if (seq > last) next.set(client, seq);
		const key = `k${rng.int(1, 3)}`;
		const op = rng.chance(0.7)
			? { kind: "put" as const, key, value: `${client}.${seq}.${i}` }
			: { kind: "cas" as const, key, expected: null, value: `${client}.${seq}` };
		log.push(encodeCommand({ client: seq === 0 ? 1000 + i : client, seq, op }));
	}
	return log;
}

function run(seed: number): void {
	const rng = new Prng(seed);
	const maxSessions = rng.pick([1, 2, 3, 10_000]);
	const log = randomLog(rng);
	const cut = rng.int(1, log.length - 1);
	const live = new KvStore({ maxSessions });
	for (let i = 0; i < cut; i++) live.apply(i + 1, log[i] as string);
	const restored = new KvStore({ maxSessions });
	restored.restore(live.snapshot());
	for (let i = cut; i < log.length; i++) {
		const a = live.apply(i + 1, log[i] as string);
		const b = restored.apply(i + 1, log[i] as string);
		if (JSON.stringify(a) !== JSON.stringify(b)) {
			throw new Error(
				`seed ${seed}: entry ${i + 1} after a restore at ${cut}: ${JSON.stringify(b)}, not ${JSON.stringify(a)} (replay: run(${seed}))`,
			);
		}
	}
	expect(restored.snapshot()).toEqual(live.snapshot());
}

describe("client sessions across a snapshot and restore", () => {
	test(`${SEEDS} seeds: a restored store answers every later entry as the one that never restored`, () => {
		for (let seed = 1; seed <= SEEDS; seed++) run(seed);
	});
});
