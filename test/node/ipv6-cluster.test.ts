/**
 * Three node.ts processes from a cluster file whose every address is IPv6 loopback
 * (`"[::1]:PORT"`): they elect a leader over Raft, replicate a write neuroctl sends to one
 * and reads from another, list each other's Raft addresses in brackets, and see each other
 * alive over gossip. Skipped where the machine has no IPv6 loopback.
 */
import { afterAll, expect, test } from "bun:test";
import * as v from "valibot";
import { GOSSIP_MEMBERS_PATH, GossipMembersAnswer } from "../../cluster/kv/crdt-api.ts";
import { hasIpv6Loopback } from "./ipv6-loopback.ts";
import { MemberCluster, pollUntil } from "./member-cluster.ts";
import { runCtl } from "./node-process.ts";

const IDS = [1, 2, 3];

const cluster = hasIpv6Loopback()
	? new MemberCluster(
			IDS,
			{ tickMs: 50, electionTicks: 10, heartbeatTicks: 2 },
			[],
			{ probeIntervalMs: 150, probeTimeoutMs: 75, pushPullIntervalMs: 2000 },
			undefined,
			"::1",
		)
	: undefined;

afterAll(() => cluster?.stopAll());

async function aliveSeenBy(members: MemberCluster, id: number): Promise<number> {
	try {
		const response = await fetch(`${members.api.get(id)}${GOSSIP_MEMBERS_PATH}`, {
			signal: AbortSignal.timeout(1000),
		});
		const answer = v.parse(GossipMembersAnswer, await response.json());
		return answer.members.filter((m) => m.state === "alive").length;
	} catch {
		return 0;
	}
}

test.skipIf(cluster === undefined)(
	"a cluster on [::1]: a leader, a replicated write, bracketed addresses, gossip",
	async () => {
		const members = cluster as MemberCluster;
		for (const id of IDS) expect(members.api.get(id)).toMatch(/^http:\/\/\[::1\]:\d+$/);
		await Promise.all(IDS.map((id) => members.start(id)));
		const leader = await pollUntil("a leader", () => members.leader(), 15_000);
		const follower = IDS.find((id) => id !== leader.id) as number;

		const endpoints = [members.api.get(follower) as string];
		const put = await runCtl(["put", "v6", "yes"], { endpoints, timeoutMs: 10_000 });
		expect(put).toMatchObject({ code: 0 });
		const read = await runCtl(["get", "v6"], { endpoints, timeoutMs: 10_000 });
		expect(read).toMatchObject({ code: 0, stdout: "yes\n" });

		const listed = await runCtl(["--json", "members"], { endpoints });
		const raftAddresses = (
			JSON.parse(listed.stdout) as { members: { raftAddress: string | null }[] }
		).members.map((m) => m.raftAddress);
		expect(raftAddresses).toEqual(IDS.map((id) => members.raft.get(id) as string));
		for (const address of raftAddresses) expect(address).toMatch(/^\[::1\]:\d+$/);

		await pollUntil(
			"every node to see three members alive over gossip",
			async () => {
				const seen = await Promise.all(IDS.map((id) => aliveSeenBy(members, id)));
				return seen.every((count) => count === IDS.length) ? seen : undefined;
			},
			15_000,
			50,
		);
	},
	60_000,
);
