/**
 * GossipNodes with a cluster secret over loopback: members with the secret join and gossip;
 * a stranger's datagrams (no tag, another secret's, a tag for another purpose) and
 * push-pulls are dropped unread and counted, membership unchanged; the same datagram with
 * the right tag is processed. A node without the secret cannot join.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { encodePacket, encodeState } from "../../cluster/gossip/codec.ts";
import { gossipTags } from "../../cluster/gossip/datagram-tag.ts";
import { GossipNode } from "../../cluster/gossip/gossip-node.ts";
import type { Packet, PushPullState } from "../../cluster/gossip/messages.ts";
import type { MembershipEvent } from "../../cluster/gossip/output.ts";
import type { NodeMeta } from "../../cluster/gossip/types.ts";
import { ClusterSecret } from "../../cluster/transport/cluster-secret.ts";
import { encodeFrame } from "../../cluster/transport/frame.ts";
import { MemoryLogger } from "../../cluster/transport/log.ts";

const SECRET_TEXT = "gossip-secret-gossip-secret-gossip!";
const secret = ClusterSecret.fromBytes(new TextEncoder().encode(SECRET_TEXT));
const other = ClusterSecret.fromBytes(
	new TextEncoder().encode("another-secret-another-secret-xx!"),
);
const fast = { probeIntervalMs: 200, probeTimeoutMs: 100, pushPullIntervalMs: 2_000 };
const meta = (id: number): NodeMeta => ({
	role: "control",
	pop: "fra1",
	edgeAddress: `127.0.0.1:${8000 + id}`,
	raftAddress: "",
});

const running: GossipNode[] = [];
afterEach(() => {
	for (const node of running.splice(0)) node.stop();
});

async function start(id: number, withSecret: ClusterSecret | undefined) {
	const logger = new MemoryLogger();
	const events: MembershipEvent[] = [];
	const node = await GossipNode.start({
		id,
		host: "127.0.0.1",
		port: 0,
		meta: meta(id),
		config: fast,
		logger,
		...(withSecret === undefined ? {} : { secret: withSecret }),
	});
	node.onEvent((event) => events.push(event));
	running.push(node);
	return { node, logger, events };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
	const started = performance.now();
	while (!condition()) {
		if (performance.now() - started > timeoutMs)
			throw new Error(`not within ${timeoutMs} ms: ${what}`);
		await Bun.sleep(10);
	}
}

const portOf = (node: GossipNode) => Number(node.address.split(":")[1]);
const stateOf = (node: GossipNode, id: number) => node.members().find((m) => m.id === id)?.state;

/** Two members with the secret, joined and alive to each other. */
async function pair() {
	const a = await start(1, secret);
	const b = await start(2, secret);
	expect(await b.node.join([a.node.address])).toBe(1);
	await waitFor(
		"a and b alive to each other",
		() => stateOf(a.node, 2) === "alive" && stateOf(b.node, 1) === "alive",
	);
	return { a, b };
}

describe("gossip with a cluster secret", () => {
	test("forged datagrams without the right tag are dropped unread; with it, processed", async () => {
		const { a, b } = await pair();
		const incarnationOfB = a.node.members().find((m) => m.id === 2)?.incarnation ?? 0;
		// A stranger's news: node 2 is dead, and a node 9 has joined.
		const death: Packet = {
			from: 9,
			msg: { t: "ping", seq: 1, target: 1 },
			updates: [{ t: "dead", id: 2, inc: incarnationOfB + 5, by: 9 }],
			app: [],
		};
		const join: Packet = {
			from: 9,
			msg: { t: "ping", seq: 2, target: 1 },
			updates: [{ t: "alive", id: 9, address: "127.0.0.1:9", inc: 1, meta: meta(9) }],
			app: [],
		};
		const forgeries = [death, join].flatMap((packet) => {
			const payload = encodePacket(packet);
			return [
				payload,
				gossipTags(other).seal("datagram", payload),
				gossipTags(secret).seal("push", payload),
			];
		});
		const eventsBefore = a.events.length;
		const client = await Bun.udpSocket({});
		for (const bytes of forgeries) client.send(bytes, portOf(a.node), "127.0.0.1");
		await waitFor(
			"every forgery dropped",
			() => a.node.stats.drops["bad-tag"] === forgeries.length,
		);
		expect(stateOf(a.node, 2)).toBe("alive");
		expect(stateOf(a.node, 9)).toBeUndefined();
		const since = a.events.slice(eventsBefore);
		expect(since.filter((e) => e.member.id === 9 || e.kind === "dead")).toEqual([]);
		const warn = a.logger.at("warn");
		expect(warn).toHaveLength(forgeries.length);
		expect(warn[0]).toMatch(
			/^dropped a datagram from 127\.0\.0\.1:\d+: missing or wrong authentication tag/,
		);
		expect(a.logger.lines.map((l) => l.line).join("\n")).not.toContain(SECRET_TEXT);
		// The same news with the right tag is taken.
		client.send(
			gossipTags(secret).seal("datagram", encodePacket(join)),
			portOf(a.node),
			"127.0.0.1",
		);
		await waitFor("node 9 known", () => stateOf(a.node, 9) === "alive");
		expect(a.events.some((e) => e.member.id === 9 && e.kind === "alive")).toBe(true);
		expect(a.node.stats.drops["bad-tag"]).toBe(forgeries.length);
		client.close();
		expect(b.node.stats.drops["bad-tag"]).toBe(0);
	}, 15_000);

	test("a push-pull without the right tag is refused before it is read", async () => {
		const { a } = await pair();
		const state: PushPullState = {
			from: 9,
			address: "127.0.0.1:9",
			members: [{ id: 2, address: "127.0.0.1:2", inc: 99, state: "dead", meta: meta(2) }],
		};
		for (const payload of [
			encodeState(state),
			gossipTags(other).seal("push", encodeState(state)),
			// An answer (pull) played back as a push.
			gossipTags(secret).seal("pull", encodeState(state)),
		]) {
			const closed = Promise.withResolvers<void>();
			const tcp = await Bun.connect({
				hostname: "127.0.0.1",
				port: portOf(a.node),
				socket: { data() {}, close: () => closed.resolve() },
			});
			tcp.write(encodeFrame(payload));
			await closed.promise;
		}
		expect(a.node.stats.drops["bad-tag"]).toBe(3);
		expect(a.node.stats.pushPulls).toBe(1); // b's join only
		expect(stateOf(a.node, 2)).toBe("alive");
		expect(a.logger.at("warn")).toEqual(
			Array(3).fill(expect.stringMatching(/^push-pull from 127\.0\.0\.1 refused \(bad-tag\)/)),
		);
	}, 15_000);

	test("a node without the secret, or with another, cannot join; both sides count the drops", async () => {
		const a = await start(1, secret);
		for (const [id, stranger] of [
			[3, undefined],
			[4, other],
		] as const) {
			const c = await start(id, stranger);
			expect(await c.node.join([a.node.address])).toBe(0);
			expect(c.node.stats.pushPullFailures).toBe(1);
			expect(stateOf(a.node, id)).toBeUndefined();
		}
		expect(a.node.stats.drops["bad-tag"]).toBe(2);
		expect(a.node.members().map((m) => m.id)).toEqual([1]);
	}, 15_000);
});
