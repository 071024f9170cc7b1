/**
 * One seeded simulation: a scenario drawn from the seed (cluster size, clients, network
 * faults, core settings), a fault phase (drops, duplicates, reordering delays, symmetric
 * and one-way partitions, crashes and restarts), then a heal phase without faults. The
 * same seed replays the same run exactly. Half the scenarios also have an operator that
 * changes the membership (adds spare nodes as learners or voters, promotes learners,
 * removes members, the leader included) and transfers leadership while the faults run.
 *
 * Checked: the invariants (one leader per term, committed entries never lost or changed),
 * the client history's linearizability, and after healing that every node caught up and
 * every operation invoked once the cluster settled got its answer.
 */
import { KvStore } from "../kv/store.ts";
import { decodeConfEntry, isMember, type MembershipConfig } from "../raft/membership.ts";
import type { NodeId } from "../raft/messages.ts";
import { boundAbandonedWrites, SimClient } from "./client.ts";
import { EventQueue } from "./event-queue.ts";
import { Invariants } from "./invariants.ts";
import { checkLinearizable, type HistoryOp } from "./linearizability.ts";
import { chooseOperatorAction } from "./membership-actions.ts";
import { Network, type NetworkFaults } from "./network.ts";
import { Prng } from "./prng.ts";
import { type CoreSettings, SimNode } from "./sim-node.ts";

export interface Scenario {
	readonly seed: number;
	/** Voters, then learners (non-voting members that follow the log, like POP nodes). */
	readonly nodes: number;
	readonly learners: number;
	readonly clients: number;
	readonly keys: number;
	/** Time units per Raft tick. */
	readonly tickUnits: number;
	/** Length of the fault phase, then of the heal phase, in time units. */
	readonly faultTime: number;
	readonly healTime: number;
	/** Time units between fault actions: uniform in [min, max]. */
	readonly faultGap: readonly [number, number];
	/** Time units a node takes to sync a Ready to disk: uniform in [min, max]. */
	readonly syncDelay: readonly [number, number];
	readonly network: NetworkFaults;
	readonly core: CoreSettings;
	/** Entries applied between a node's snapshots (small, so runs compact and send snapshots). */
	readonly snapshotEvery: number;
	/** An operator changes the membership and transfers leadership during the faults. */
	readonly membership: boolean;
	/** Nodes started outside the configuration, for the operator to add. */
	readonly spares: number;
	/** Nodes drive their cores as cluster/raft-node/ does (sim-node.ts); not drawn from the seed. */
	readonly pipelined?: boolean;
	/**
	 * The KV store's bound on client sessions (kv/store.ts; its default when absent). Below
	 * the number of clients, sessions expire all the time and clients start new ones; not
	 * drawn from the seed.
	 */
	readonly maxSessions?: number | undefined;
	/** The linearizability search's step budget (its default when absent); not drawn from the seed. */
	readonly checkBudget?: number | undefined;
}

export interface SimStats {
	events: number;
	messages: number;
	dropped: number;
	duplicated: number;
	cut: number;
	crashes: number;
	partitions: number;
	leaderTerms: number;
	/** Configuration changes and leadership transfers a leader accepted. */
	confChanges: number;
	transfers: number;
	committed: number;
	opsOk: number;
	opsPending: number;
	/** Writes answered session-expired (the client then started a new session). */
	sessionsExpired: number;
	snapshotsTaken: number;
	snapshotsInstalled: number;
}

export interface SimResult {
	readonly scenario: Scenario;
	readonly ok: boolean;
	readonly failures: readonly string[];
	/**
	 * The linearizability search ran out of steps on the history: neither a violation found
	 * nor a pass (`ok` is false, and a failure says so).
	 */
	readonly undecided: boolean;
	readonly stats: SimStats;
}

/** After the heal phase, how long nodes and clients get to finish (time units). */
const DRAIN_TIME = 20_000;
/** A run that needs more events than this is reported as a failure (a livelock). */
const MAX_EVENTS = 20_000_000;

/** Client ids start here, apart from node ids, on the same network. */
const CLIENT_ID_BASE = 1000;

export function scenarioFor(seed: number): Scenario {
	const rng = new Prng(seed);
	const maxDelay = rng.int(5, 40);
	return {
		seed,
		nodes: rng.pick([3, 3, 5, 5, 5, 7]),
		learners: rng.pick([0, 0, 1, 2]),
		clients: rng.int(2, 5),
		keys: rng.int(1, 4),
		tickUnits: 10,
		faultTime: rng.int(2_000, 5_000),
		healTime: 4_000,
		faultGap: [50, rng.int(300, 1_200)],
		syncDelay: rng.pick([
			[0, 3],
			[0, 10],
			[2, 25],
			[10, 60],
		] as const),
		network: {
			drop: rng.pick([0.05, 0.1, 0.2, 0.3]),
			duplicate: rng.pick([0, 0.02, 0.1]),
			minDelay: 1,
			maxDelay,
			longDelayChance: rng.pick([0, 0.01, 0.05]),
			longDelay: maxDelay * 10,
		},
		core: {
			electionTicks: 20,
			heartbeatTicks: rng.int(1, 3),
			preVote: rng.chance(0.8),
			checkQuorum: rng.chance(0.6),
			maxEntriesPerAppend: rng.pick([1, 2, 4, 16]),
			maxInflight: rng.pick([1, 2, 4, 8]),
			// Small chunks: a KV snapshot here is a few hundred characters, so most take several.
			snapshotChunkSize: rng.pick([32, 64, 256, 4096]),
		},
		snapshotEvery: rng.pick([5, 10, 25, 100]),
		// Drawn last, so the fields above stay what they were for every seed.
		membership: rng.chance(0.5),
		spares: rng.int(1, 2),
	};
}

/** `trace`, if given, gets a line per role change, crash, restart and partition. */
export function runSimulation(
	scenario: Scenario,
	trace: ((line: string) => void) | undefined = undefined,
): SimResult {
	const rng = new Prng(scenario.seed ^ 0x5bd1e995);
	const queue = new EventQueue();
	const invariants = new Invariants(() => queue.now, {
		every: scenario.snapshotEvery,
		newMachine: () => new KvStore({ maxSessions: scenario.maxSessions }),
	});
	const network = new Network(queue, rng.fork(), { ...scenario.network });
	const voters: NodeId[] = Array.from({ length: scenario.nodes }, (_, i) => i + 1);
	const learners: NodeId[] = Array.from(
		{ length: scenario.learners },
		(_, i) => scenario.nodes + i + 1,
	);
	const spares: NodeId[] = Array.from(
		{ length: scenario.membership ? scenario.spares : 0 },
		(_, i) => scenario.nodes + scenario.learners + i + 1,
	);
	const founding: MembershipConfig = { voters, learners };
	const ids = [...voters, ...learners, ...spares];
	const keys = Array.from({ length: scenario.keys }, (_, i) => `k${i}`);
	const nodes = new Map<NodeId, SimNode>();
	const clients = new Map<number, SimClient>();
	const healAt = scenario.faultTime;
	const end = scenario.faultTime + scenario.healTime;
	const settledAt = healAt + 5 * scenario.core.electionTicks * scenario.tickUnits;
	let stamp = 0;
	let requestId = 0;
	let partitions = 0;
	let confChanges = 0;
	let transfers = 0;
	const failures: string[] = [];
	const log = (line: string) => trace?.(`t=${queue.now} ${line}`);

	for (const id of ids) {
		const node = new SimNode(
			id,
			voters,
			learners,
			scenario.core,
			scenario.syncDelay,
			scenario.snapshotEvery,
			rng.fork(),
			{
				queue,
				invariants,
				sendRaft: (message) =>
					network.send(message.from, message.to, () => nodes.get(message.to)?.receive(message)),
				reply: (client, reply) =>
					network.send(0, client, () => clients.get(client)?.onReply(reply)),
				trace: log,
				pipelined: scenario.pipelined ?? false,
				maxSessions: scenario.maxSessions,
			},
		);
		nodes.set(id, node);
		// Each node ticks on its own phase, so timers do not move in lockstep.
		const tick = () => {
			node.tick();
			queue.after(scenario.tickUnits, tick);
		};
		queue.after(rng.int(0, scenario.tickUnits - 1), tick);
	}
	for (let i = 0; i < scenario.clients; i++) {
		const id = CLIENT_ID_BASE + i + 1;
		const client = new SimClient(id, rng.fork(), {
			queue,
			nodes: ids,
			keys,
			stamp: () => ++stamp,
			newRequestId: () => ++requestId,
			// Client traffic is not cut by partitions (clients sit outside them), but it is
			// dropped, duplicated and delayed like the rest.
			send: (to, request) => network.send(0, to, () => nodes.get(to)?.request(request)),
			stopAt: end - 500,
			mayGiveUp: () => queue.now < healAt,
			maxAttempts: 5,
			timeout: 2 * scenario.core.electionTicks * scenario.tickUnits,
			// The first client mostly reads (a POP following config), the others mix.
			readShare: i === 0 ? 0.9 : 0.3,
		});
		clients.set(id, client);
		client.start();
	}

	const leaderId = (): NodeId | undefined => {
		for (const node of nodes.values()) if (node.core?.role === "leader") return node.id;
		return undefined;
	};
	const faults = rng.fork();
	const heal = () => {
		log("network healed");
		network.healAll();
	};
	const healLinks = (links: readonly string[], what: string) => {
		if (queue.now >= healAt) return;
		log(`partition ${what} healed`);
		network.heal(links);
	};
	const faultAction = () => {
		if (queue.now >= healAt) return;
		const roll = faults.next();
		const leader = leaderId();
		if (roll < 0.2 && leader !== undefined) {
			// The classic trap: the leader, cut off, still believes it leads while the rest
			// elect another; clients can still reach it.
			const cut = network.partition([leader], ids, false);
			log(`partition [${leader}] (the leader) | rest`);
			partitions++;
			queue.after(faults.int(300, 2_500), () => healLinks(cut, `[${leader}]`));
		} else if (roll < 0.35) {
			const side = pickSome(faults, ids, faults.int(1, Math.floor(ids.length / 2)));
			const cut = network.partition(side, ids, false);
			log(`partition [${side}] | rest`);
			partitions++;
			queue.after(faults.int(100, 1_500), () => healLinks(cut, `[${side}]`));
		} else if (roll < 0.45) {
			const side = pickSome(faults, ids, faults.int(1, Math.floor(ids.length / 2)));
			const outward = faults.chance(0.5);
			const from = outward ? side : ids.filter((id) => !side.includes(id));
			const cut = network.partition(from, ids, true);
			log(`one-way partition: [${from}] cannot send to the rest`);
			partitions++;
			queue.after(faults.int(100, 1_000), () => healLinks(cut, `one-way [${from}]`));
		} else if (roll < 0.72) {
			// One node, or two at once (a majority of three: what only the disk can save).
			const victims = pickSome(faults, ids, faults.chance(0.3) ? 2 : 1);
			if (leader !== undefined && faults.chance(0.5) && !victims.includes(leader)) {
				victims[0] = leader;
			}
			for (const victim of victims) {
				const node = nodes.get(victim) as SimNode;
				if (!node.alive) continue;
				node.crash();
				queue.after(faults.int(10, 600), () => node.restart());
			}
		} else if (roll < 0.8) {
			heal();
		}
		queue.after(faults.int(scenario.faultGap[0], scenario.faultGap[1]), faultAction);
	};
	queue.after(faults.int(scenario.faultGap[0], scenario.faultGap[1]), faultAction);
	// Forked after the others, so the fault stream of a seed is the same with or without.
	const operator = rng.fork();
	const operatorAction = () => {
		if (queue.now >= healAt) return;
		queue.after(operator.int(100, 800), operatorAction);
		const leader = leaderId();
		const node = leader === undefined ? undefined : nodes.get(leader);
		const core = node?.core;
		if (!node || !core || leader === undefined) return;
		const action = chooseOperatorAction(operator, core.membership, leader, ids);
		if (action?.kind === "transfer") {
			const result = node.transferLeadership(action.target);
			log(`operator: transfer ${leader} -> ${action.target}: ${JSON.stringify(result)}`);
			if (result?.ok) transfers++;
		} else if (action?.kind === "change") {
			const result = node.changeMembership(action.change);
			log(`operator: ${JSON.stringify(action.change)} at ${leader}: ${JSON.stringify(result)}`);
			if (result?.ok) confChanges++;
		}
	};
	if (scenario.membership) queue.after(operator.int(100, 800), operatorAction);
	queue.after(healAt, () => {
		log("heal phase: no more faults");
		network.healAll();
		network.faults = { ...network.faults, drop: 0, duplicate: 0, longDelayChance: 0 };
		for (const node of nodes.values()) node.restart();
	});

	/** The latest committed configuration: its members are the ones that must catch up. */
	const committedConfig = (): MembershipConfig => {
		let config = founding;
		for (const entry of invariants.committedEntries()) {
			config = decodeConfEntry(entry.data)?.config ?? config;
		}
		return config;
	};
	const members = () => [...nodes.values()].filter((n) => isMember(committedConfig(), n.id));
	const converged = () => {
		for (const client of clients.values()) if (client.busy) return false;
		for (const node of members()) {
			if (invariants.appliedBy(node.id) !== invariants.committedLength) return false;
		}
		return true;
	};
	try {
		queue.runUntil(end, MAX_EVENTS);
		// Clients stopped calling before `end`; give stragglers time to catch up.
		const drainEnd = end + DRAIN_TIME;
		while (!converged() && queue.now < drainEnd) queue.runUntil(queue.now + 100, MAX_EVENTS);
	} catch (error) {
		failures.push(`t=${queue.now}: ${(error as Error).stack ?? String(error)}`);
	}
	failures.push(...invariants.failures);

	let undecided = false;
	const history: MutableOps = [];
	for (const client of clients.values()) history.push(...client.history);
	if (failures.length === 0) {
		for (const node of members()) {
			const applied = invariants.appliedBy(node.id);
			if (!node.alive || applied !== invariants.committedLength) {
				const core = node.core;
				const state = core
					? `${core.role} in term ${core.term}, leader ${core.lead}, log ${core.log.lastIndex()}, commit ${core.log.committed}`
					: "down";
				const leader = nodes.get(core?.lead ?? 0)?.core;
				const pr = leader?.progressOf(node.id);
				const seen = pr
					? `; its leader sees ${pr.state}, match ${pr.match}, next ${pr.next}, inflight [${pr.inflight}], probe sent ${pr.probeSent}`
					: "";
				failures.push(
					`after healing, node ${node.id} applied ${applied} of ${invariants.committedLength} committed entries (${state}${seen})`,
				);
			}
		}
		for (const op of history) {
			if (op.ret === undefined && op.sessionExpiredAt === undefined && op.callTime >= settledAt) {
				failures.push(
					`after healing, client ${op.client}'s ${op.op.kind} on ${op.op.key} (called at t=${op.callTime}) never got an answer`,
				);
				break;
			}
		}
		const checked: HistoryOp[] = [];
		for (const client of clients.values()) checked.push(...boundAbandonedWrites(client.history));
		const verdict = checkLinearizable(checked, scenario.checkBudget);
		if (!verdict.ok && verdict.undecided) {
			undecided = true;
			failures.push(
				`linearizability undecided on key ${verdict.key} for seed ${scenario.seed}: ${verdict.reason}`,
			);
		} else if (!verdict.ok) {
			failures.push(`history not linearizable on key ${verdict.key}: ${verdict.reason}`);
		}
	}

	let crashes = 0;
	let snapshotsTaken = 0;
	let snapshotsInstalled = 0;
	for (const node of nodes.values()) {
		crashes += node.crashes;
		snapshotsTaken += node.snapshotsTaken;
		snapshotsInstalled += node.snapshotsInstalled;
	}
	const opsOk = history.filter((op) => op.ret !== undefined).length;
	return {
		scenario,
		ok: failures.length === 0,
		failures,
		undecided,
		stats: {
			events: queue.processed,
			messages: network.stats.sent,
			dropped: network.stats.dropped,
			duplicated: network.stats.duplicated,
			cut: network.stats.cut,
			crashes,
			partitions,
			leaderTerms: invariants.leaderTerms,
			confChanges,
			transfers,
			committed: invariants.committedLength,
			opsOk,
			opsPending: history.length - opsOk,
			sessionsExpired: [...clients.values()].reduce((n, c) => n + c.sessionsExpired, 0),
			snapshotsTaken,
			snapshotsInstalled,
		},
	};
}

type MutableOps = SimClient["history"];

function pickSome(rng: Prng, items: readonly number[], count: number): number[] {
	const pool = [...items];
	const out: number[] = [];
	while (out.length < count && pool.length > 0) {
		out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0] as number);
	}
	return out;
}
