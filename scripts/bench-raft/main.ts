/**
 * `scripts/bench-raft.sh`: our 3-node Raft KV cluster against a 3-member etcd cluster on
 * the same machine, both on loopback with fsync on, 100-byte values: puts/s and p50/p99
 * with 1 client (sequential) and with 64 concurrent clients, and linearizable gets/s with
 * 64 clients. Prints a table, ours/etcd ratios and the targets (ours >= 1.0x etcd's puts/s
 * at 64 clients, ours' p99 <= 2x etcd's at 64 clients) with a met/missed verdict.
 *
 * How the comparison is kept fair:
 * - Both clusters are 3 processes on loopback, data dirs under the same temporary root
 *   (same disk), fsync on: etcd fsyncs its WAL as always; ours fsyncs its WAL on every
 *   group commit (leader and followers alike).
 * - Both are driven by the same closed-loop load generator (load.ts) in this one Bun
 *   process, over HTTP/1.1 with keep-alive (`fetch`), JSON in and JSON out, straight to the
 *   leader (as etcd's leader-aware client would): etcd through its v3 JSON gateway
 *   (/v3/kv/put, /v3/kv/range, linearizable by default; key and value base64), ours through
 *   the control plane's API (PUT /v1/kv/KEY {"value"}, GET /v1/kv/KEY through ReadIndex).
 *   Same keys, same 100-byte values, every answer checked (a failure fails the run). A
 *   503 during a leader change is retried alike for both (kv-client.ts), wait included.
 *   etcd's gateway relays each call to its gRPC server over loopback; that extra hop is
 *   etcd's own HTTP path and is counted against it as it would be for any HTTP client.
 * - Both clusters stay up for the whole run (the idle one only heartbeats), and their runs
 *   alternate scenario by scenario in ABBA order over `--rounds` rounds, so VM drift hits
 *   both alike; a scenario's figures merge its rounds (operations over total time,
 *   percentiles over every latency).
 * Progress goes to stderr, the table to stdout.
 * Exit 0: both measured (a missed target is reported in the table, not an error);
 * 1: a run failed; 2: setup failed.
 *   bash scripts/bench-raft.sh [--seconds 5] [--rounds 2]
 */
import { parseArgs } from "node:util";
import { type EtcdCluster, etcdLeader, startEtcd } from "./etcd-cluster.ts";
import { etcdClient, type KvClient, neuroClient } from "./kv-client.ts";
import { combine, type LoadFigures, type Operation, runLoad } from "./load.ts";
import { type NeuroCluster, neuroLeader, startNeuro } from "./neuro-cluster.ts";

const log = (line: string) => console.error(`[bench-raft] ${line}`);

interface Scenario {
	readonly label: string;
	readonly operation: Operation;
	readonly clients: number;
}

const SCENARIOS: readonly Scenario[] = [
	{ label: "put, 1 client", operation: "put", clients: 1 },
	{ label: "put, 64 clients", operation: "put", clients: 64 },
	{ label: "linearizable get, 64 clients", operation: "get", clients: 64 },
];

const PUT_RATIO_MIN = 1.0;
const P99_RATIO_MAX = 2.0;

type Figures = Map<string, LoadFigures>;

async function measureAll(
	systems: readonly KvClient[],
	seconds: number,
	rounds: number,
): Promise<Map<string, Figures>> {
	const runs = new Map<string, Map<string, LoadFigures[]>>(
		systems.map((s) => [s.name, new Map(SCENARIOS.map((sc) => [sc.label, []]))]),
	);
	for (const system of systems) {
		// A short warm-up so connections, JIT and the leader's pipeline are in place.
		log(`${system.name}: warm-up`);
		await runLoad(system, "put", 8, 1000);
	}
	let turn = 0;
	for (let round = 1; round <= rounds; round++) {
		for (const scenario of SCENARIOS) {
			// ABBA: whoever went second last time goes first now.
			const order = turn++ % 2 === 0 ? systems : [...systems].reverse();
			for (const system of order) {
				log(`round ${round}/${rounds}: ${system.name}: ${scenario.label} for ${seconds}s`);
				const figures = await runLoad(system, scenario.operation, scenario.clients, seconds * 1000);
				log(`  ${row(figures)}`);
				runs.get(system.name)?.get(scenario.label)?.push(figures);
			}
		}
	}
	return new Map(
		[...runs].map(([name, byScenario]) => [
			name,
			new Map([...byScenario].map(([label, list]) => [label, combine(list)])),
		]),
	);
}

function row(figures: LoadFigures | undefined): string {
	if (figures === undefined) return "n/a";
	return `${figures.perSecond.toFixed(0).padStart(6)} /s  p50 ${figures.p50Ms.toFixed(2).padStart(6)} ms  p99 ${figures.p99Ms.toFixed(2).padStart(6)} ms`;
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

function report(ours: Figures, etcd: Figures, version: string, seconds: number, rounds: number) {
	console.log(
		`\n## Raft KV, 3 nodes on loopback, fsync on, 100-byte values, HTTP clients to the leader, ${rounds} x ${seconds}s per scenario and system`,
	);
	console.log(`etcd: ${version}`);
	console.log(
		`${"scenario".padEnd(30)} ${"system".padEnd(6)} ${"ops/s".padStart(9)}  ${"p50".padStart(9)}  ${"p99".padStart(9)}`,
	);
	for (const { label } of SCENARIOS) {
		for (const [name, figures] of [
			["etcd", etcd],
			["ours", ours],
		] as const) {
			const f = figures.get(label);
			if (f === undefined) continue;
			console.log(
				`${label.padEnd(30)} ${name.padEnd(6)} ${f.perSecond.toFixed(0).padStart(9)}  ${f.p50Ms.toFixed(2).padStart(6)} ms  ${f.p99Ms.toFixed(2).padStart(6)} ms`,
			);
		}
		const [o, e] = [ours.get(label), etcd.get(label)];
		if (o !== undefined && e !== undefined)
			console.log(
				`${"".padEnd(30)} ${"ours/etcd".padEnd(6)} ${ratio(o.perSecond, e.perSecond).padStart(6)}  ${ratio(o.p50Ms, e.p50Ms).padStart(9)}  ${ratio(o.p99Ms, e.p99Ms).padStart(9)}`,
			);
	}
	const [o, e] = [ours.get("put, 64 clients"), etcd.get("put, 64 clients")];
	if (o === undefined || e === undefined) return;
	const puts = o.perSecond / e.perSecond;
	const p99 = o.p99Ms / e.p99Ms;
	console.log("\n## Targets (64 clients, puts)");
	console.log(
		`${puts >= PUT_RATIO_MIN ? "MET   " : "MISSED"} puts/s ours/etcd ${puts.toFixed(2)}x (target >= ${PUT_RATIO_MIN.toFixed(1)}x): ${o.perSecond.toFixed(0)} vs ${e.perSecond.toFixed(0)} /s`,
	);
	console.log(
		`${p99 <= P99_RATIO_MAX ? "MET   " : "MISSED"} p99 ours/etcd ${p99.toFixed(2)}x (target <= ${P99_RATIO_MAX.toFixed(1)}x): ${o.p99Ms.toFixed(2)} vs ${e.p99Ms.toFixed(2)} ms`,
	);
}

async function main(): Promise<number> {
	const { values } = parseArgs({
		args: Bun.argv.slice(2),
		options: { seconds: { type: "string" }, rounds: { type: "string" } },
	});
	const seconds = Number(values.seconds ?? "5");
	const rounds = Number(values.rounds ?? "2");
	if (!(Number.isInteger(seconds) && seconds >= 1 && seconds <= 600)) {
		console.error("bench-raft: --seconds must be a whole number 1-600");
		return 2;
	}
	if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 20)) {
		console.error("bench-raft: --rounds must be a whole number 1-20");
		return 2;
	}
	let etcd: EtcdCluster | undefined;
	let ours: NeuroCluster | undefined;
	try {
		try {
			etcd = await startEtcd(log);
			ours = await startNeuro(log);
		} catch (error) {
			console.error(`bench-raft: ${(error as Error).message}`);
			return 2;
		}
		const etcdSystem = etcdClient(await etcdLeader(etcd.clientUrls));
		const ourSystem = neuroClient(await neuroLeader(ours.apiUrls), log);
		let figures: Map<string, Figures>;
		try {
			figures = await measureAll([etcdSystem, ourSystem], seconds, rounds);
		} catch (error) {
			console.error(`bench-raft: a run failed: ${(error as Error).message}`);
			return 1;
		}
		report(
			figures.get("ours") ?? new Map(),
			figures.get("etcd") ?? new Map(),
			etcd.version,
			seconds,
			rounds,
		);
		return 0;
	} finally {
		await Promise.all([etcd?.close(), ours?.close()]);
	}
}

process.exitCode = await main();
