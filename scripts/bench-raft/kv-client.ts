/**
 * What the Raft benchmark drives: a put and a linearizable get against one cluster. etcd
 * through its v3 JSON gateway; ours through the control plane's HTTP API
 * (cluster/kv/http-api.ts). Each call resolves when the cluster has answered, and rejects on
 * any answer other than success, so a run can never count a failure as throughput.
 * Both ride out a leader change the same way, as a leader-aware client would: a 503 is
 * tried again (ours at the leader its NotLeader answer names, etcd at the same member,
 * which forwards to its leader) for up to RETRY_FOR_MS, the wait counted in the latency.
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

const RETRY_FOR_MS = 5000;
const RETRY_PAUSE_MS = 50;

/**
 * Calls `attempt` until it answers other than 503 or RETRY_FOR_MS pass. `moved` gets the
 * 503's body (ours names the new leader there).
 */
async function retrying(
	attempt: () => Promise<Response>,
	moved: (body: string) => void,
): Promise<Response> {
	const deadline = performance.now() + RETRY_FOR_MS;
	for (;;) {
		const response = await attempt();
		if (response.status !== 503 || performance.now() > deadline) return response;
		moved(await response.text());
		await Bun.sleep(RETRY_PAUSE_MS);
	}
}

/** etcd v3 through its gRPC gateway: /v3/kv/put and /v3/kv/range (linearizable by default). */
export function etcdClient(endpoint: string): KvClient {
	const again = () => {};
	return {
		name: "etcd",
		async put(key, value) {
			const body = JSON.stringify({ key: base64(key), value: base64(value) });
			const call = () => fetch(`${endpoint}/v3/kv/put`, { method: "POST", body });
			await expectOk(await retrying(call, again), "etcd put");
		},
		async get(key) {
			const body = JSON.stringify({ key: base64(key) });
			const call = () => fetch(`${endpoint}/v3/kv/range`, { method: "POST", body });
			await expectOk(await retrying(call, again), "etcd range");
		},
	};
}

/** Ours: the leader's HTTP API (a benchmark talks to the leader, as etcd's client does). */
export function neuroClient(endpoint: string, log: (line: string) => void = () => {}): KvClient {
	let leader = endpoint;
	const follow = (body: string) => {
		let named: unknown;
		try {
			named = (JSON.parse(body) as { leader?: unknown }).leader;
		} catch {
			return;
		}
		if (typeof named === "string" && named !== leader) {
			log(`ours: the leader moved to ${named}`);
			leader = named;
		}
	};
	return {
		name: "ours",
		async put(key, value) {
			const body = JSON.stringify({ value });
			const call = () =>
				fetch(`${leader}${kvPath(key)}`, {
					method: "PUT",
					headers: { "content-type": "application/json" },
					body,
				});
			await expectOk(await retrying(call, follow), "put");
		},
		async get(key) {
			await expectOk(await retrying(() => fetch(`${leader}${kvPath(key)}`), follow), "get");
		},
	};
}
