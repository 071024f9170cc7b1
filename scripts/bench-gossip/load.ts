/**
 * A paced increment load spread over every node: every `tickMs` each node gets one
 * `POST /v1/counters/load/incr {"by": k}` carrying its share of the increments owed since
 * the start (rate × elapsed − already sent), so a late tick catches up instead of lowering
 * the rate. A node whose previous request has not answered yet is skipped for the tick
 * and its share rides the next one (no pile-up of requests). Only acknowledged (200)
 * increments count.
 */
import { counterPath } from "../../cluster/kv/crdt-api.ts";
import type { GossipCluster } from "./cluster.ts";

export const LOAD_COUNTER = "load";

export interface LoadRun {
	/** Acknowledged increments and requests so far, and failed requests. */
	readonly acked: () => { increments: number; requests: number; failures: number };
	stop(): Promise<void>;
}

export function startLoad(cluster: GossipCluster, perSecond: number, tickMs = 10): LoadRun {
	const n = cluster.size;
	const sent = new Array<number>(n).fill(0);
	const busy = new Array<boolean>(n).fill(false);
	const pending = new Set<Promise<void>>();
	let increments = 0;
	let requests = 0;
	let failures = 0;
	let stopped = false;
	const startedAt = performance.now();
	const path = counterPath(LOAD_COUNTER, "incr");

	const send = (i: number, by: number) => {
		busy[i] = true;
		const p = fetch(`${cluster.api[i]}${path}`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ by }),
			signal: AbortSignal.timeout(5000),
		})
			.then(async (response) => {
				await response.arrayBuffer();
				if (response.ok) {
					increments += by;
					requests++;
				} else failures++;
			})
			.catch(() => {
				failures++;
			})
			.finally(() => {
				busy[i] = false;
				pending.delete(p);
			});
		pending.add(p);
	};

	const loop = (async () => {
		for (let tick = 1; !stopped; tick++) {
			const owedTotal = (perSecond * (performance.now() - startedAt)) / 1000;
			for (let i = 0; i < n; i++) {
				// Node i's cumulative share; the shares sum to floor(owedTotal).
				const share = Math.floor((owedTotal * (i + 1)) / n) - Math.floor((owedTotal * i) / n);
				const owed = share - (sent[i] ?? 0);
				if (owed <= 0 || busy[i]) continue;
				sent[i] = (sent[i] ?? 0) + owed;
				send(i, owed);
			}
			const wait = startedAt + tick * tickMs - performance.now();
			if (wait > 0) await Bun.sleep(wait);
		}
	})();

	return {
		acked: () => ({ increments, requests, failures }),
		async stop() {
			stopped = true;
			await loop;
			await Promise.all([...pending]);
		},
	};
}
