/**
 * Raft members with real I/O in one test process: a write-ahead log each under one temp
 * root, the transport over loopback, fast ticks. Shared by the test/raft-node suites, with
 * the poll-until-deadline wait they all use.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RaftNode, type RaftNodeOptions } from "../../cluster/raft-node/raft-node.ts";

/** What a suite may set beyond the defaults (founding voters 1-3, 10 ms ticks, quiet). */
export type MemberOverrides = Partial<Omit<RaftNodeOptions, "id" | "listen" | "dataDir">>;

export class InProcessMembers {
	readonly root: string;
	readonly nodes = new Map<number, RaftNode>();

	constructor(
		prefix: string,
		private readonly overrides: MemberOverrides = {},
	) {
		this.root = mkdtempSync(join(tmpdir(), `neuro-${prefix}-`));
	}

	/** Starts member `id` on `port` (0: any) with its log under the root; replaces any old one. */
	async start(id: number, port = 0): Promise<RaftNode> {
		const node = await RaftNode.start({
			voters: [1, 2, 3],
			tickMs: 10,
			electionTicks: 10,
			heartbeatTicks: 2,
			log: () => {},
			...this.overrides,
			id,
			listen: { host: "127.0.0.1", port },
			dataDir: join(this.root, `node-${id}`),
		});
		this.nodes.set(id, node);
		return node;
	}

	/** Tells every member where every other one listens. */
	connectAll(): void {
		const peers = new Map([...this.nodes].map(([id, node]) => [id, address(node)]));
		for (const node of this.nodes.values()) node.connect(peers);
	}

	leader(): RaftNode | undefined {
		return [...this.nodes.values()].find((node) => node.status().role === "leader");
	}

	async closeAll(): Promise<void> {
		for (const node of this.nodes.values()) await node.close();
		rmSync(this.root, { recursive: true, force: true });
	}
}

export function address(node: RaftNode): { host: string; port: number } {
	return { host: "127.0.0.1", port: node.port };
}

/** Polls a probe (sync or async) every 10 ms until it gives a value; throws naming what it waited for after the deadline. */
export { pollUntil as until } from "../node/poll-until.ts";
