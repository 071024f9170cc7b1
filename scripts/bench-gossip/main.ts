/**
 * `scripts/bench-gossip.sh`: the gossip and CRDT counter figures of the issue, measured on
 * real node.ts processes on loopback, with a 200 ms probe period (probe timeout 100 ms,
 * push-pull every 30 s, memberlist's ratio and default):
 * 1. Counter increments per second through the HTTP API of one node (target >= 50,000/s):
 *    wrk -t2 -c64 against `POST /v1/counters/bench/incr` (empty body, by = 1) on node 1 of
 *    the 5-node cluster, so the node also ships its deltas to 4 peers as it would in
 *    service; the same-run baseline is a bare Bun.serve answering a tiny JSON to every POST
 *    (baseline-server.ts: no routing, no validation, no store), driven by the same wrk
 *    command. Runs alternate ABBA (baseline, ours, ours, baseline with 2 rounds), each after
 *    its own 1 s warm-up, and a system's rounds merge (2xx answers over total time). The
 *    counter's growth over each of our runs is checked against wrk's 2xx count (it may
 *    exceed it by at most the 64 requests in flight when wrk stops, never fall short).
 *    wrk, the node and its 4 peers share the machine's cores; so do wrk and the baseline.
 * 2. Propagation: an increment on a random node (one POST), then every other node's GET
 *    polled every 15 ms until it shows the new total; delay from the POST's answer to the
 *    answer of the GET that showed it (an upper bound by one poll and one GET). Samples run
 *    one at a time with a random 50-200 ms gap; p50/p99/max over every (sample, node) pair,
 *    5 and 20 nodes (target p99 < 1 s at 20). Polling all nodes is itself load (about 300
 *    and 1,300 GETs/s); the increments ride SWIM's probe traffic, so the delay is mostly
 *    probe periods.
 * 3. Gossip bytes per second per node at 20 nodes: idle, and under a paced load of 10,000
 *    increments/s spread over all nodes (every 10 ms one POST with `by` per node whose
 *    previous POST has answered, carrying all it owes: at most 2,000 requests/s, fewer when
 *    answers take longer than 10 ms; the achieved rate is printed; the gossip cost depends on deltas shipped per probe, not on how many
 *    requests made them, since a node's increments to one key between two packets are one
 *    delta). Bytes come from `GET /v1/gossip/stats` (GossipNode.stats) when the nodes serve
 *    it; otherwise from tcpdump on `lo` filtered to the gossip ports (payload bytes, as
 *    the stats count them; push-pull as a cluster mean only, see traffic.ts); otherwise
 *    they are reported as not measured.
 * Nodes: node 1 is the only founding Raft voter, 2..N are `join: true` (idle members), so
 * the figures are gossip's, not 20 Raft voters'. Progress on stderr, the table on stdout.
 * Exit 0 when measured (a missed target is reported, not an error); 1 if a measurement
 * failed; 2 if a cluster did not start.
 *   bash scripts/bench-gossip.sh [--seconds 5] [--rounds 2] [--window 10]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as v from "valibot";
import { CounterAnswer, counterPath } from "../../cluster/kv/crdt-api.ts";
import { type GossipCluster, type GossipTiming, startGossipCluster } from "./cluster.ts";
import { type HttpFigures, measureHttpIncr, WRK_CONNECTIONS } from "./http-incr.ts";
import { LOAD_COUNTER, startLoad } from "./load.ts";
import { stopAll } from "./processes.ts";
import { measurePropagation, type PropagationFigures } from "./propagation.ts";
import {
	hasStatsRoute,
	type Meter,
	routeMeter,
	type TrafficFigures,
	tcpdumpMeter,
} from "./traffic.ts";

const log = (line: string) => console.error(`[bench-gossip] ${line}`);

const TIMING: GossipTiming = {
	probeIntervalMs: 200,
	probeTimeoutMs: 100,
	pushPullIntervalMs: 30_000,
};
const HTTP_TARGET = 50_000;
const P99_TARGET_MS = 1000;
const LOAD_RATE = 10_000;
const POLL_MS = 15;

class StartError extends Error {}

const percentile = (sorted: readonly number[], p: number) =>
	sorted.length === 0
		? Number.NaN
		: (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN);

async function cluster(size: number): Promise<GossipCluster> {
	log(`starting ${size} nodes (probe period ${TIMING.probeIntervalMs} ms)`);
	try {
		return await startGossipCluster(size, TIMING, log);
	} catch (first) {
		// Ports are picked free, then released until the nodes bind them: another socket
		// (a push-pull's ephemeral port) can take one meanwhile. One retry on fresh ports.
		log(`  start failed (${(first as Error).message.split("\n")[0]}); retrying on fresh ports`);
		try {
			return await startGossipCluster(size, TIMING, log);
		} catch (error) {
			throw new StartError((error as Error).message);
		}
	}
}

async function counterEverywhere(c: GossipCluster, name: string): Promise<number[]> {
	return Promise.all(
		c.api.map(async (url) => {
			const response = await fetch(`${url}${counterPath(name)}`, {
				signal: AbortSignal.timeout(2000),
			});
			return v.parse(CounterAnswer, await response.json()).value;
		}),
	);
}

async function chooseMeter(c: GossipCluster, dir: string): Promise<Meter | string> {
	if (await hasStatsRoute(c)) {
		log("  bytes from GET /v1/gossip/stats");
		return routeMeter(c);
	}
	if (Bun.which("tcpdump") === null) return "not measured: route missing, no tcpdump";
	const meter = tcpdumpMeter(c, dir, log);
	try {
		// A short trial: tcpdump needs CAP_NET_RAW on lo.
		const end = await meter();
		await end();
	} catch (error) {
		return `not measured: route missing, tcpdump failed (${(error as Error).message})`;
	}
	log("  route /v1/gossip/stats missing: bytes from tcpdump on lo");
	return meter;
}

interface Traffic {
	readonly idle: TrafficFigures | string;
	readonly loaded: TrafficFigures | string;
	readonly load?: {
		increments: number;
		requests: number;
		failures: number;
		seconds: number;
		converged: string;
	};
}

async function measureTraffic(c: GossipCluster, windowSeconds: number): Promise<Traffic> {
	const dir = mkdtempSync(join(tmpdir(), "bench-gossip-pcap-"));
	try {
		const meter = await chooseMeter(c, dir);
		if (typeof meter === "string") {
			log(`  ${meter}`);
			return { idle: meter, loaded: meter };
		}
		log(`  idle for ${windowSeconds}s`);
		await Bun.sleep(1000);
		const endIdle = await meter();
		await Bun.sleep(windowSeconds * 1000);
		const idleFigures = await endIdle();

		log(
			`  load: ${LOAD_RATE} increments/s over ${c.size} nodes, 2s warm-up then ${windowSeconds}s`,
		);
		const base = (await counterEverywhere(c, LOAD_COUNTER))[0] ?? 0;
		const load = startLoad(c, LOAD_RATE);
		await Bun.sleep(2000);
		const before = load.acked();
		const startedAt = performance.now();
		const endLoaded = await meter();
		await Bun.sleep(windowSeconds * 1000);
		const loadedFigures = await endLoaded();
		const after = load.acked();
		const seconds = (performance.now() - startedAt) / 1000;
		await load.stop();
		const total = load.acked();
		log(
			`  achieved ${((after.increments - before.increments) / seconds).toFixed(0)} increments/s; waiting for every node to count ${total.increments}`,
		);
		// Correctness under load: every node ends at the exact total of acknowledged steps.
		const expected = base + total.increments;
		const stoppedAt = performance.now();
		const deadline = stoppedAt + 20_000;
		let converged = "";
		for (;;) {
			const seen = await counterEverywhere(c, LOAD_COUNTER);
			if (seen.every((x) => x === expected)) {
				converged = `all ${c.size} nodes at the exact total (${total.increments}) ${((performance.now() - stoppedAt) / 1000).toFixed(1)}s after the load stopped`;
				break;
			}
			if (performance.now() > deadline) {
				converged = `NOT converged 20s after the load: expected ${expected}, min ${Math.min(...seen)}, max ${Math.max(...seen)}`;
				break;
			}
			await Bun.sleep(100);
		}
		log(`  ${converged}`);
		return {
			idle: idleFigures,
			loaded: loadedFigures,
			load: {
				increments: after.increments - before.increments,
				requests: after.requests - before.requests,
				failures: total.failures,
				seconds,
				converged,
			},
		};
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const verdict = (met: boolean) => (met ? "MET   " : "MISSED");

function reportHttp(
	http: { ours: HttpFigures; baseline: HttpFigures; checks: { ok2xx: number; growth: number }[] },
	seconds: number,
	rounds: number,
) {
	const { ours, baseline } = http;
	console.log(
		`\n## Counter increments through HTTP, one node (node 1 of 5), wrk -t2 -c${WRK_CONNECTIONS}, ${rounds} x ${seconds}s ABBA`,
	);
	console.log(
		`${"system".padEnd(34)} ${"2xx/s".padStart(9)} ${"p50".padStart(10)} ${"p99".padStart(10)} ${"errors".padStart(7)}`,
	);
	for (const [name, f] of [
		["bare Bun.serve (baseline)", baseline],
		["ours: POST /v1/counters/bench/incr", ours],
	] as const)
		console.log(
			`${name.padEnd(34)} ${fmt(f.perSecond).padStart(9)} ${f.p50Ms.toFixed(2).padStart(7)} ms ${f.p99Ms.toFixed(2).padStart(7)} ms ${String(f.errors).padStart(7)}`,
		);
	console.log(
		`ours/baseline ${(ours.perSecond / baseline.perSecond).toFixed(2)}x, ours/target ${(ours.perSecond / HTTP_TARGET).toFixed(2)}x`,
	);
	for (const [i, c] of http.checks.entries()) {
		const diff = c.growth - c.ok2xx;
		const state =
			diff === 0
				? "exact"
				: diff > 0 && diff <= WRK_CONNECTIONS
					? `+${diff}, within the ${WRK_CONNECTIONS} in flight at wrk's stop`
					: "WRONG";
		console.log(
			`counter check, our run ${i + 1}: wrk 2xx ${c.ok2xx}, counter grew ${c.growth} (${state})`,
		);
	}
}

function propRow(p: PropagationFigures) {
	const sorted = [...p.delaysMs].sort((a, b) => a - b);
	return {
		p50: percentile(sorted, 50),
		p99: percentile(sorted, 99),
		max: sorted[sorted.length - 1] ?? Number.NaN,
	};
}

function reportProp(props: readonly PropagationFigures[]) {
	console.log(
		`\n## Increment visible on every other node, probe period ${TIMING.probeIntervalMs} ms, polled every ${POLL_MS} ms`,
	);
	console.log(
		`${"nodes".padEnd(6)} ${"samples".padStart(7)} ${"pairs".padStart(6)} ${"p50".padStart(10)} ${"p99".padStart(10)} ${"max".padStart(10)} ${"timeouts".padStart(8)}`,
	);
	for (const p of props) {
		const r = propRow(p);
		console.log(
			`${String(p.nodes).padEnd(6)} ${String(p.samples).padStart(7)} ${String(p.delaysMs.length).padStart(6)} ${r.p50.toFixed(0).padStart(7)} ms ${r.p99.toFixed(0).padStart(7)} ms ${r.max.toFixed(0).padStart(7)} ms ${String(p.timeouts).padStart(8)}`,
		);
	}
}

function trafficRows(label: string, t: TrafficFigures | string) {
	if (typeof t === "string") {
		console.log(`${label.padEnd(26)} ${t}`);
		return;
	}
	const mm = (xs: readonly number[]) =>
		`${fmt(mean(xs)).padStart(8)} ${fmt(Math.max(...xs)).padStart(8)}`;
	const tcp = Array.isArray(t.tcp)
		? mm(t.tcp as number[])
		: `${fmt((t.tcp as { mean: number }).mean).padStart(8)} ${"n/a".padStart(8)}`;
	console.log(
		`${label.padEnd(26)} ${mm(t.udpOut)} ${mm(t.udpIn)} ${mm(t.packetsOut)} ${tcp}  ${t.source}, ${t.seconds.toFixed(1)}s${t.note ? `, ${t.note}` : ""}`,
	);
}

function reportTraffic(t: Traffic, size: number) {
	console.log(
		`\n## Gossip bytes per second per node, ${size} nodes (mean / max over nodes; TCP = push-pull in + out)`,
	);
	console.log(
		`${"".padEnd(26)} ${"UDP out B/s".padStart(17)} ${"UDP in B/s".padStart(17)} ${"packets out/s".padStart(17)} ${"TCP B/s".padStart(17)}`,
	);
	console.log(
		`${"".padEnd(26)} ${"mean      max".padStart(17)} ${"mean      max".padStart(17)} ${"mean      max".padStart(17)} ${"mean      max".padStart(17)}`,
	);
	trafficRows("idle", t.idle);
	trafficRows(`${fmt(LOAD_RATE)} incr/s offered`, t.loaded);
	if (t.load !== undefined) {
		const l = t.load;
		console.log(
			`load achieved: ${fmt(l.increments / l.seconds)} increments/s in ${fmt(l.requests / l.seconds)} requests/s over ${l.seconds.toFixed(1)}s, ${l.failures} failed requests; ${l.converged}`,
		);
	}
}

async function main(): Promise<number> {
	const { values } = parseArgs({
		args: Bun.argv.slice(2),
		options: {
			seconds: { type: "string" },
			rounds: { type: "string" },
			window: { type: "string" },
		},
	});
	const seconds = Number(values.seconds ?? "5");
	const rounds = Number(values.rounds ?? "2");
	const windowSeconds = Number(values.window ?? "10");
	for (const [name, value, max] of [
		["seconds", seconds, 60],
		["rounds", rounds, 10],
		["window", windowSeconds, 120],
	] as const)
		if (!(Number.isInteger(value) && value >= 1 && value <= max)) {
			console.error(`bench-gossip: --${name} must be a whole number 1-${max}`);
			return 2;
		}
	const started = performance.now();
	const props: PropagationFigures[] = [];
	let http: Awaited<ReturnType<typeof measureHttpIncr>> | undefined;
	let traffic: Traffic | undefined;
	try {
		const five = await cluster(5);
		try {
			log("propagation, 5 nodes: 40 samples");
			props.push(await measurePropagation(five, 40, POLL_MS, log));
			log("HTTP increments on node 1");
			http = await measureHttpIncr(five.api[0] ?? "", seconds, rounds, log);
		} finally {
			await five.close();
		}
		const twenty = await cluster(20);
		try {
			log("propagation, 20 nodes: 30 samples");
			props.push(await measurePropagation(twenty, 30, POLL_MS, log));
			log("gossip traffic, 20 nodes");
			traffic = await measureTraffic(twenty, windowSeconds);
		} finally {
			await twenty.close();
		}
	} catch (error) {
		if (error instanceof StartError) {
			console.error(`bench-gossip: a cluster did not start: ${error.message}`);
			return 2;
		}
		console.error(`bench-gossip: a measurement failed: ${(error as Error).stack ?? error}`);
		return 1;
	}
	reportHttp(http, seconds, rounds);
	reportProp(props);
	reportTraffic(traffic, 20);
	const httpMet = http.ours.perSecond >= HTTP_TARGET;
	const twentyP99 = propRow(props[1] as PropagationFigures).p99;
	console.log("\n## Targets");
	console.log(
		`${verdict(httpMet)} HTTP increments/s on one node ${fmt(http.ours.perSecond)} (target >= ${fmt(HTTP_TARGET)}): ${(http.ours.perSecond / HTTP_TARGET).toFixed(2)}x`,
	);
	console.log(
		`${verdict(twentyP99 < P99_TARGET_MS)} propagation p99 at 20 nodes ${twentyP99.toFixed(0)} ms (target < ${P99_TARGET_MS} ms)`,
	);
	const countersOk = http.checks.every(
		(c) => c.growth >= c.ok2xx && c.growth - c.ok2xx <= WRK_CONNECTIONS,
	);
	console.log(
		`${countersOk ? "OK    " : "WRONG "} counter equals wrk's 2xx count (up to requests in flight at wrk's stop)`,
	);
	log(`done in ${((performance.now() - started) / 1000).toFixed(0)}s`);
	return 0;
}

const onSignal = (signal: string) => {
	log(`${signal}: stopping everything started`);
	void stopAll().finally(() => process.exit(130));
};
process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));
try {
	process.exitCode = await main();
} finally {
	await stopAll();
}
