/**
 * Runs one gossip scenario: N SWIM cores on the Raft simulator's virtual clock and faulty
 * network (cluster/sim/), UDP packets subject to drops, duplicates and delays, push-pull as a
 * reliable exchange that a partition or a crash breaks. Then checks, per seed:
 * - no false positive: no live member declared dead between settling and any partition
 *   (asserted when the loss is 5% or less; counted otherwise);
 * - every crashed member declared dead by every live node that knew it, within
 *   deadDetectionBoundMs (health ceiling awarenessMax), the worst delay reported;
 * - at the end (or within a minute after it): every live node sees exactly the live nodes as up, crashed ones dead, the
 *   leaver left; every live member's metadata as that member last set it; every live node
 *   holds every fact (the app channel) of every live node.
 */
import { EventQueue } from "../../sim/event-queue.ts";
import { Network } from "../../sim/network.ts";
import { Prng } from "../../sim/prng.ts";
import {
	type DecodeResult,
	decodePacket,
	decodeState,
	encodePacket,
	encodeState,
} from "../codec.ts";
import { type GossipTags, openTagged, type TagDomain } from "../datagram-tag.ts";
import { deadDetectionBoundMs } from "../detection-bound.ts";
import type { Packet } from "../messages.ts";
import type { Output } from "../output.ts";
import { DEFAULT_PUSH_PULL } from "../push-pull.ts";
import { Swim } from "../swim.ts";
import type { NodeId, NodeMeta, Peer } from "../types.ts";
import { FactApp } from "./fact-app.ts";
import type { GossipScenario } from "./scenario.ts";

export interface GossipSimResult {
	readonly seed: number;
	readonly ok: boolean;
	readonly failures: string[];
	readonly stats: {
		nodes: number;
		drop: number;
		partitioned: boolean;
		events: number;
		packets: number;
		falsePositives: number;
		/** Worst crash-to-dead delay over crashes and observers, in probe intervals. */
		worstDetectionPeriods: number;
		boundPeriods: number;
		maxHealthScore: number;
	};
}

interface SimNode {
	readonly id: NodeId;
	readonly address: string;
	readonly core: Swim;
	readonly app: FactApp;
	crashed: boolean;
	tickAt: number | undefined;
	token: number;
	factCount: number;
}

export function addressOf(id: NodeId): string {
	return `10.0.${id >> 8}.${id & 255}:7946`;
}

function metaOf(id: NodeId, version: number): NodeMeta {
	return {
		role: id <= 3 ? "control" : "pop",
		pop: `pop-${id % 4}`,
		edgeAddress: `10.1.${id >> 8}.${id & 255}:${8000 + version}`,
		raftAddress: id <= 3 ? `10.2.0.${id}:7000` : "",
	};
}

/**
 * `wire`: when given, every packet and push-pull state is encoded, tagged with it, checked
 * and decoded on its way, as GossipNode does, so a run also shows that the codec and the
 * tags carry whatever the core says (a cluster secret's run must match the plain one).
 */
export function runGossipSimulation(
	scenario: GossipScenario,
	trace?: (line: string) => void,
	wire?: GossipTags,
): GossipSimResult {
	const rng = new Prng(scenario.seed ^ 0x5f3759df);
	const queue = new EventQueue();
	const network = new Network(queue, rng.fork(), scenario.faults);
	const nodes = new Map<NodeId, SimNode>();
	const failures: string[] = [];
	const fail = (line: string) => {
		if (failures.length < 20) failures.push(line);
	};
	/** Bytes on the wire and back, as the receiving GossipNode reads them (undefined: dropped). */
	const overWire = <T>(
		domain: TagDomain,
		value: T,
		encode: (value: T) => Uint8Array,
		decode: (bytes: Uint8Array, max: number) => DecodeResult<T>,
	): T | undefined => {
		if (wire === undefined) return value;
		const max =
			domain === "datagram" ? scenario.config.maxPacketBytes : DEFAULT_PUSH_PULL.maxStateBytes;
		const opened = openTagged(wire, domain, wire.seal(domain, encode(value)), max);
		const decoded = opened.ok ? decode(opened.value, max) : opened;
		if (decoded.ok) return decoded.value;
		fail(`wire: a ${domain} did not survive (${decoded.reason}): ${decoded.detail}`);
		return undefined;
	};
	const stats = {
		nodes: scenario.nodes,
		drop: scenario.faults.drop,
		partitioned: scenario.partition !== undefined,
		events: 0,
		packets: 0,
		falsePositives: 0,
		worstDetectionPeriods: 0,
		boundPeriods: 0,
		maxHealthScore: 0,
	};
	const crashedAt = new Map<NodeId, number>(); // crashed node -> time
	const knewAtCrash = new Map<NodeId, NodeId[]>(); // crashed node -> observers that held it live
	const deadAt = new Map<string, number>(); // `${observer}>${crashed}` -> first dead event
	const leftId = scenario.leave?.id;
	let leftDone = false;
	const partitionAt = scenario.partition?.at ?? Number.POSITIVE_INFINITY;

	const handle = (node: SimNode, out: Output) => {
		// The core's DEBUG notes (suspicions, confirmations, refutations) explain the events.
		for (const note of out.notes) trace?.(`${queue.now} n${node.id} note: ${note}`);
		for (const event of out.events) {
			trace?.(
				`${queue.now} n${node.id}: ${event.member.id} ${event.kind} (inc ${event.member.incarnation})`,
			);
			if (event.kind !== "dead" || event.member.id === node.id) continue;
			const subject = event.member.id;
			const key = `${node.id}>${subject}`;
			if (crashedAt.has(subject) && !deadAt.has(key)) deadAt.set(key, queue.now);
			const innocent = !crashedAt.has(subject) && !(leftDone && subject === leftId);
			if (innocent && queue.now >= scenario.settledAt && queue.now < partitionAt) {
				stats.falsePositives++;
				if (scenario.faults.drop <= 0.05) {
					fail(`false positive: n${node.id} declared live n${subject} dead at ${queue.now}`);
				}
			}
		}
		for (const sent of out.packets) {
			const to = idOf(sent.to);
			const from: Peer = { id: node.id, address: node.address };
			const packet = overWire("datagram", sent.packet, encodePacket, decodePacket);
			stats.packets++;
			if (packet !== undefined) network.send(node.id, to, () => deliver(to, from, packet));
		}
		for (const request of out.pushPulls) pushPull(node, idOf(request.address));
		stats.maxHealthScore = Math.max(stats.maxHealthScore, node.core.healthScore);
		schedule(node);
	};

	const schedule = (node: SimNode) => {
		if (node.crashed || node.core.hasLeft) return;
		const at = Math.max(queue.now, node.core.nextDeadline());
		if (node.tickAt !== undefined && node.tickAt <= at && node.tickAt >= queue.now) return;
		node.tickAt = at;
		const token = ++node.token;
		queue.after(at - queue.now, () => {
			if (token !== node.token || node.crashed) return;
			node.tickAt = undefined;
			handle(node, node.core.tick(queue.now));
		});
	};

	const deliver = (to: NodeId, from: Peer, packet: Packet) => {
		const node = nodes.get(to);
		if (node === undefined || node.crashed) return;
		handle(node, node.core.receive(from, packet, queue.now));
	};

	/** TCP: reliable but breakable; the answering side merges first, then answers with its state. */
	const pushPull = (initiator: SimNode, partnerId: NodeId) => {
		const reachable = () =>
			!network.isCut(initiator.id, partnerId) && !network.isCut(partnerId, initiator.id);
		if (!reachable()) return;
		const offer = overWire("push", initiator.core.localState(), encodeState, decodeState);
		if (offer === undefined) return;
		queue.after(rng.int(scenario.faults.minDelay, scenario.faults.maxDelay), () => {
			const partner = nodes.get(partnerId);
			if (partner === undefined || partner.crashed || partner.core.hasLeft || !reachable()) return;
			handle(partner, partner.core.mergeRemoteState(offer, queue.now));
			const answer = overWire("pull", partner.core.localState(), encodeState, decodeState);
			if (answer === undefined) return;
			queue.after(rng.int(scenario.faults.minDelay, scenario.faults.maxDelay), () => {
				if (initiator.crashed || initiator.core.hasLeft || !reachable()) return;
				handle(initiator, initiator.core.mergeRemoteState(answer, queue.now));
			});
		});
	};

	const metaVersion = new Map<NodeId, number>();
	for (const [id, joinAt] of scenario.joinAt) {
		queue.after(joinAt, () => {
			const nodeRng = rng.fork();
			const app = new FactApp(() => nodeRng.next());
			const node: SimNode = {
				id,
				address: addressOf(id),
				app,
				core: new Swim({
					id,
					address: addressOf(id),
					meta: metaOf(id, 0),
					config: scenario.config,
					random: () => nodeRng.next(),
					now: queue.now,
					piggyback: app,
					appState: app,
				}),
				crashed: false,
				tickAt: undefined,
				token: 0,
				factCount: 0,
			};
			metaVersion.set(id, 0);
			nodes.set(id, node);
			app.add(`${id}:0`);
			if (id !== 1) pushPull(node, 1);
			schedule(node);
		});
	}
	// Facts keep appearing until the last fault heals: the app channel has to carry them.
	const factsUntil = scenario.endAt - 60_000;
	const addFacts = () => {
		for (const node of nodes.values()) {
			if (node.crashed || node.core.hasLeft || !rng.chance(0.2)) continue;
			node.app.add(`${node.id}:${++node.factCount}`);
		}
		if (queue.now + 5_000 <= factsUntil) queue.after(5_000, addFacts);
	};
	queue.after(scenario.settledAt, addFacts);

	for (const crash of scenario.crashes) {
		queue.after(crash.at, () => {
			const node = nodes.get(crash.id) as SimNode;
			node.crashed = true;
			crashedAt.set(crash.id, queue.now);
			const observers: NodeId[] = [];
			for (const other of nodes.values()) {
				if (other.crashed || other.core.hasLeft) continue;
				const state = other.core.member(crash.id)?.state;
				if (state === "alive" || state === "suspect") observers.push(other.id);
			}
			knewAtCrash.set(crash.id, observers);
			trace?.(`${queue.now} n${crash.id} crashes`);
		});
	}
	const leave = scenario.leave;
	if (leave !== undefined) {
		queue.after(leave.at, () => {
			const node = nodes.get(leave.id) as SimNode;
			leftDone = true;
			trace?.(`${queue.now} n${leave.id} leaves`);
			handle(node, node.core.leave(queue.now));
		});
	}
	for (const update of scenario.metaUpdates) {
		queue.after(update.at, () => {
			const node = nodes.get(update.id) as SimNode;
			if (node.crashed || node.core.hasLeft) return;
			const version = (metaVersion.get(update.id) ?? 0) + 1;
			metaVersion.set(update.id, version);
			handle(node, node.core.updateMeta(metaOf(update.id, version), queue.now));
		});
	}
	const partition = scenario.partition;
	if (partition !== undefined) {
		let cut: string[] = [];
		queue.after(partition.at, () => {
			cut = network.partition(partition.side, [...scenario.joinAt.keys()], false);
			trace?.(`${queue.now} partition: [${partition.side.join(",")}] cut off`);
		});
		queue.after(partition.healAt, () => {
			network.heal(cut);
			trace?.(`${queue.now} partition healed`);
		});
	}

	const boundMs = deadDetectionBoundMs(
		scenario.nodes,
		scenario.config,
		scenario.config.awarenessMax,
	);
	stats.boundPeriods = boundMs / scenario.config.probeIntervalMs;
	const lastCrash = Math.max(0, ...scenario.crashes.map((c) => c.at));
	queue.runUntil(Math.max(scenario.endAt, lastCrash + boundMs), 20_000_000);

	checkDetection(scenario, crashedAt, knewAtCrash, deadAt, nodes, boundMs, stats, fail);
	// Converged means all views agree at some moment: at 10-20% loss a fresh false suspicion
	// can be in flight at the end, so the check is retried each second for a minute.
	const lastChance = queue.now + 60_000;
	for (;;) {
		const views: string[] = [];
		checkConvergence(nodes, metaVersion, (line) => views.push(line));
		if (views.length === 0) break;
		if (queue.now >= lastChance) {
			for (const line of views) fail(line);
			break;
		}
		queue.runUntil(queue.now + 1_000, 20_000_000);
	}
	stats.events = queue.processed;
	return { seed: scenario.seed, ok: failures.length === 0, failures, stats };

	function idOf(address: string): NodeId {
		const parts = address.split(/[.:]/);
		return Number(parts[2]) * 256 + Number(parts[3]);
	}
}

function checkDetection(
	scenario: GossipScenario,
	crashedAt: ReadonlyMap<NodeId, number>,
	knewAtCrash: ReadonlyMap<NodeId, NodeId[]>,
	deadAt: ReadonlyMap<string, number>,
	nodes: ReadonlyMap<NodeId, SimNode>,
	boundMs: number,
	stats: GossipSimResult["stats"],
	fail: (line: string) => void,
): void {
	for (const [crashed, at] of crashedAt) {
		for (const observer of knewAtCrash.get(crashed) ?? []) {
			const node = nodes.get(observer) as SimNode;
			// A node that crashed or left since has no view to check.
			if (node.crashed || node.core.hasLeft) continue;
			const when = deadAt.get(`${observer}>${crashed}`);
			if (when === undefined) {
				fail(`n${observer} never declared crashed n${crashed} dead (crash at ${at})`);
				continue;
			}
			const periods = (when - at) / scenario.config.probeIntervalMs;
			stats.worstDetectionPeriods = Math.max(stats.worstDetectionPeriods, periods);
			if (when - at > boundMs) {
				fail(
					`n${observer} declared n${crashed} dead ${when - at} ms after its crash (bound ${boundMs})`,
				);
			}
		}
	}
}

function checkConvergence(
	nodes: ReadonlyMap<NodeId, SimNode>,
	metaVersion: ReadonlyMap<NodeId, number>,
	fail: (line: string) => void,
): void {
	const live = [...nodes.values()].filter((n) => !n.crashed && !n.core.hasLeft);
	const liveIds = new Set(live.map((n) => n.id));
	const allFacts = new Set<string>();
	for (const node of live) {
		for (const fact of node.app.facts)
			if (liveIds.has(Number(fact.split(":")[0]))) allFacts.add(fact);
	}
	for (const observer of live) {
		for (const subject of nodes.values()) {
			if (subject.id === observer.id) continue;
			const row = observer.core.member(subject.id);
			const state = row?.state;
			if (liveIds.has(subject.id)) {
				if (state !== "alive" && state !== "suspect") {
					fail(`end: n${observer.id} sees live n${subject.id} as ${state ?? "unknown"}`);
					continue;
				}
				const want = metaOf(subject.id, metaVersion.get(subject.id) ?? 0);
				if (JSON.stringify(row?.meta) !== JSON.stringify(want)) {
					fail(`end: n${observer.id} holds stale metadata of n${subject.id}`);
				}
			} else if (subject.crashed) {
				if (state !== "dead" && state !== undefined) {
					fail(`end: n${observer.id} sees crashed n${subject.id} as ${state}`);
				}
			} else if (state !== "left" && state !== undefined) {
				fail(`end: n${observer.id} sees n${subject.id}, which left, as ${state}`);
			}
		}
		for (const fact of allFacts) {
			if (!observer.app.facts.has(fact)) {
				fail(`end: n${observer.id} lacks fact ${fact}`);
				break;
			}
		}
	}
}
