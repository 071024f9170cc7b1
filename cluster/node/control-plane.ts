/**
 * The Raft member a node runs beside its edge (`--id N --config nodes.yaml`): the member
 * (cluster/raft-node/) on its Raft address, the control plane's HTTP API on its API
 * address, both from the cluster file.
 */
import { join, resolve } from "node:path";
import { serveBun } from "../../edge/runtime/bun.ts";
import { createKvApp } from "../kv/http-app.ts";
import { RaftNode } from "../raft-node/raft-node.ts";
import { loadClusterConfig } from "./cluster-config.ts";

export interface ControlPlane {
	readonly member: RaftNode;
	readonly apiUrl: string;
	close(): Promise<void>;
}

export async function startControlPlane(
	id: number,
	configPath: string,
	log: (line: string) => void,
): Promise<ControlPlane> {
	const config = await loadClusterConfig(configPath, id);
	const self = config.nodes[String(id)] as (typeof config.nodes)[string];
	const member = await RaftNode.start({
		id,
		voters: Object.keys(config.nodes).map(Number),
		listen: self.raft,
		dataDir: join(resolve(config.dataDir), `node-${id}`),
		tickMs: config.tickMs,
		electionTicks: config.electionTicks,
		heartbeatTicks: config.heartbeatTicks,
		log,
	});
	member.connect(new Map(Object.entries(config.nodes).map(([node, a]) => [Number(node), a.raft])));
	const apiAddresses = new Map(
		Object.entries(config.nodes).map(([node, a]) => [
			Number(node),
			`http://${a.api.host}:${a.api.port}`,
		]),
	);
	const api = serveBun(createKvApp(member, apiAddresses).fetch, {
		hostname: self.api.host,
		port: self.api.port,
	});
	const apiUrl = `http://${self.api.host}:${api.port}`;
	log(`INFO raft member ${id}: API on ${apiUrl}, Raft on ${self.raft.host}:${member.port}`);
	return {
		member,
		apiUrl,
		async close() {
			await api.drain(1000);
			await member.close();
		},
	};
}
