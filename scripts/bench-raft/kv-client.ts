/**
 * What the Raft benchmark drives: a put and a linearizable get against one cluster. etcd
 * through its v3 JSON gateway; ours through the control plane's HTTP API
 * (cluster/kv/http-api.ts). Each call resolves when the cluster has answered, and rejects on
 * any answer other than success, so a run can never count a failure as throughput.
 */
import { kvPath } from "../../cluster/kv/http-api.ts";

export interface KvClient {
	readonly name: string;
	put(key: string, value: string): Promise<void>;
	get(key: string): Promise<void>;
}

const base64 = (text: string) => Buffer.from(text).toString("base64");

async function expectOk(response: Response, what: string): Promise<void> {
	if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
	await response.arrayBuffer();
}

/** etcd v3 through its gRPC gateway: /v3/kv/put and /v3/kv/range (linearizable by default). */
export function etcdClient(endpoint: string): KvClient {
	return {
		name: "etcd",
		async put(key, value) {
			const response = await fetch(`${endpoint}/v3/kv/put`, {
				method: "POST",
				body: JSON.stringify({ key: base64(key), value: base64(value) }),
			});
			await expectOk(response, "etcd put");
		},
		async get(key) {
			const response = await fetch(`${endpoint}/v3/kv/range`, {
				method: "POST",
				body: JSON.stringify({ key: base64(key) }),
			});
			await expectOk(response, "etcd range");
		},
	};
}

/** Ours: the leader's HTTP API (a benchmark talks to the leader, as etcd's client does). */
export function neuroClient(endpoint: string): KvClient {
	return {
		name: "ours",
		async put(key, value) {
			const response = await fetch(`${endpoint}${kvPath(key)}`, {
				method: "PUT",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ value }),
			});
			await expectOk(response, "put");
		},
		async get(key) {
			await expectOk(await fetch(`${endpoint}${kvPath(key)}`), "get");
		},
	};
}
