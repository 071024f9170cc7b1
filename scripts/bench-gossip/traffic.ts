/**
 * Gossip bytes per node over a window, two ways:
 * - `GET /v1/gossip/stats` on every node (GossipNode.stats: datagram bytes and push-pull
 *   bytes, in and out), read at the window's start and end; exact, per node.
 * - When that route is missing: tcpdump on the loopback interface, filtered to the gossip
 *   ports, headers only, parsed here. Datagram payload bytes are attributed by port (a
 *   node sends from and receives on its gossip port). A push-pull's initiator connects
 *   from an ephemeral port, so only the answering side of a TCP exchange is known: the
 *   TCP figure is the cluster's push-pull payload (each byte sent by one node and received
 *   by another) spread over the nodes, a mean, with no per-node maximum.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { GOSSIP_STATS_PATH, GossipTraffic } from "../../cluster/kv/crdt-api.ts";
import type { GossipCluster } from "./cluster.ts";
import { spawn } from "./processes.ts";

const StatsAnswer = GossipTraffic;
type StatsAnswer = GossipTraffic;

/** Bytes per second over a window, one row per node; TCP per node only when known. */
export interface TrafficFigures {
	readonly source: "stats route" | "tcpdump";
	readonly seconds: number;
	readonly udpOut: readonly number[];
	readonly udpIn: readonly number[];
	readonly packetsOut: readonly number[];
	/** Push-pull bytes (in + out) per node per second; tcpdump: the cluster mean only. */
	readonly tcp: readonly number[] | { readonly mean: number };
	readonly note?: string;
}

async function readStats(url: string): Promise<StatsAnswer | undefined> {
	try {
		const response = await fetch(`${url}${GOSSIP_STATS_PATH}`, {
			signal: AbortSignal.timeout(2000),
		});
		if (!response.ok) return undefined;
		return v.parse(StatsAnswer, await response.json());
	} catch {
		return undefined;
	}
}

/** True when every node answers the stats route with the agreed shape. */
export async function hasStatsRoute(cluster: GossipCluster): Promise<boolean> {
	const all = await Promise.all(cluster.api.map(readStats));
	return all.every((s) => s !== undefined);
}

export type Meter = () => Promise<() => Promise<TrafficFigures>>;

/** Starts a window with the stats route; the returned function ends it. */
export function routeMeter(cluster: GossipCluster): Meter {
	return async () => {
		const before = await Promise.all(cluster.api.map(readStats));
		const startedAt = performance.now();
		return async () => {
			const after = await Promise.all(cluster.api.map(readStats));
			const seconds = (performance.now() - startedAt) / 1000;
			const delta = (pick: (s: StatsAnswer) => number) =>
				after.map((a, i) => {
					const b = before[i];
					if (a === undefined || b === undefined)
						throw new Error(`node ${i + 1}: stats route failed`);
					return (pick(a) - pick(b)) / seconds;
				});
			return {
				source: "stats route",
				seconds,
				udpOut: delta((s) => s.bytesOut),
				udpIn: delta((s) => s.bytesIn),
				packetsOut: delta((s) => s.packetsOut),
				tcp: delta((s) => s.pushPullBytesIn + s.pushPullBytesOut),
			};
		};
	};
}

/** Starts a window with tcpdump on `lo`; the returned function stops it and parses. */
export function tcpdumpMeter(cluster: GossipCluster, dir: string, log: (s: string) => void): Meter {
	let window = 0;
	return async () => {
		const file = join(dir, `gossip-${++window}.pcap`);
		const filter = cluster.gossipPorts.map((p) => `port ${p}`).join(" or ");
		// -Z root: keep writing as root (the file is ours to remove); --immediate-mode: no
		// packets left in the kernel buffer when it stops; 128 bytes: headers are enough.
		const proc = spawn(
			[
				"tcpdump",
				"-i",
				"lo",
				"-n",
				"-s",
				"128",
				"-U",
				"--immediate-mode",
				"-Z",
				"root",
				"-w",
				file,
				filter,
			],
			{ stdin: "ignore", stdout: "ignore", stderr: "pipe" },
		);
		const reader = proc.stderr.getReader();
		const decoder = new TextDecoder();
		let text = "";
		const deadline = performance.now() + 5000;
		while (!text.includes("listening on")) {
			const chunk = await Promise.race([reader.read(), Bun.sleep(5000).then(() => undefined)]);
			if (chunk === undefined || chunk.done || performance.now() > deadline) {
				proc.kill("SIGKILL");
				throw new Error(`tcpdump did not start: ${text.trim()}`);
			}
			text += decoder.decode(chunk.value, { stream: true });
		}
		const startedAt = performance.now();
		return async () => {
			const seconds = (performance.now() - startedAt) / 1000;
			proc.kill("SIGINT");
			const rest = (async () => {
				for (;;) {
					const chunk = await reader.read();
					if (chunk.done) return;
					text += decoder.decode(chunk.value, { stream: true });
				}
			})();
			await proc.exited;
			await rest;
			const dropped = /(\d+) packets dropped by kernel/.exec(text)?.[1];
			const figures = parsePcap(readFileSync(file), cluster.gossipPorts, seconds);
			rmSync(file, { force: true });
			if (dropped !== undefined && dropped !== "0")
				log(`  tcpdump: ${dropped} packets dropped by kernel`);
			return {
				...figures,
				...(dropped !== undefined && dropped !== "0"
					? { note: `tcpdump dropped ${dropped} packets` }
					: {}),
			};
		};
	};
}

/** Payload bytes per gossip port from a pcap of headers (Ethernet, Linux cooked, raw IP). */
export function parsePcap(
	data: Buffer,
	ports: readonly number[],
	seconds: number,
): Omit<TrafficFigures, "note"> {
	const magic = data.readUInt32LE(0);
	const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
	if (!le && data.readUInt32BE(0) !== 0xa1b2c3d4 && data.readUInt32BE(0) !== 0xa1b23c4d)
		throw new Error("not a pcap file");
	const u32 = (at: number) => (le ? data.readUInt32LE(at) : data.readUInt32BE(at));
	const linkType = u32(20);
	const linkHeader: Record<number, number> = { 1: 14, 113: 16, 276: 20, 101: 0, 0: 4 };
	const skip = linkHeader[linkType];
	if (skip === undefined) throw new Error(`pcap link type ${linkType} not handled`);
	const index = new Map(ports.map((p, i) => [p, i]));
	const n = ports.length;
	const udpOut = new Array<number>(n).fill(0);
	const udpIn = new Array<number>(n).fill(0);
	const packetsOut = new Array<number>(n).fill(0);
	let tcpTotal = 0;
	for (let at = 24; at + 16 <= data.length; ) {
		const captured = u32(at + 8);
		const ip = at + 16 + skip;
		at += 16 + captured;
		if (ip + 20 > data.length || data[ip] === undefined || data[ip] >> 4 !== 4) continue;
		const ihl = (data[ip] & 0x0f) * 4;
		const total = data.readUInt16BE(ip + 2);
		const protocol = data[ip + 9];
		const l4 = ip + ihl;
		const src = data.readUInt16BE(l4);
		const dst = data.readUInt16BE(l4 + 2);
		if (protocol === 17) {
			const payload = data.readUInt16BE(l4 + 4) - 8;
			const from = index.get(src);
			const to = index.get(dst);
			if (from !== undefined) {
				udpOut[from] = (udpOut[from] ?? 0) + payload;
				packetsOut[from] = (packetsOut[from] ?? 0) + 1;
			}
			if (to !== undefined) udpIn[to] = (udpIn[to] ?? 0) + payload;
		} else if (protocol === 6) {
			const offset = ((data[l4 + 12] ?? 0) >> 4) * 4;
			tcpTotal += total - ihl - offset;
		}
	}
	const rate = (xs: number[]) => xs.map((x) => x / seconds);
	return {
		source: "tcpdump",
		seconds,
		udpOut: rate(udpOut),
		udpIn: rate(udpIn),
		packetsOut: rate(packetsOut),
		// Every push-pull byte is one node's out and another's in.
		tcp: { mean: (2 * tcpTotal) / n / seconds },
	};
}
