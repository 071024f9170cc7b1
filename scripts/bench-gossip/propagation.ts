/**
 * Time for one increment to be visible on every other node: one POST to a random node,
 * then every other node's GET is polled every `pollMs` until it shows the new total. A
 * node's delay runs from the POST's answer to the answer of the first GET that showed it
 * (so it is an upper bound, by at most one poll interval and one GET). Samples run one
 * after another, each once the previous one was visible everywhere, with a random gap so
 * they do not line up with the probe period.
 */
import * as v from "valibot";
import { CounterAnswer, counterPath } from "../../cluster/kv/crdt-api.ts";
import type { GossipCluster } from "./cluster.ts";

export interface PropagationFigures {
	readonly nodes: number;
	readonly samples: number;
	/** Per (sample, other node) delay in ms; a node not seeing it within the timeout counts as the timeout. */
	readonly delaysMs: readonly number[];
	readonly timeouts: number;
	readonly pollMs: number;
}

const NAME = "prop";

async function value(url: string): Promise<number | undefined> {
	try {
		const response = await fetch(`${url}${counterPath(NAME)}`, {
			signal: AbortSignal.timeout(2000),
		});
		if (!response.ok) return undefined;
		return v.parse(CounterAnswer, await response.json()).value;
	} catch {
		return undefined;
	}
}

async function increment(url: string): Promise<number> {
	const response = await fetch(`${url}${counterPath(NAME, "incr")}`, {
		method: "POST",
		signal: AbortSignal.timeout(5000),
	});
	if (!response.ok) throw new Error(`increment at ${url}: HTTP ${response.status}`);
	return v.parse(CounterAnswer, await response.json()).value;
}

/** Resolves with the delay since `from` at which `url` answered at least `expected`. */
async function visibleAt(
	url: string,
	expected: number,
	from: number,
	pollMs: number,
	timeoutMs: number,
) {
	for (;;) {
		const sentAt = performance.now();
		const seen = await value(url);
		const answeredAt = performance.now();
		if (seen !== undefined && seen >= expected) return answeredAt - from;
		if (answeredAt - from > timeoutMs) return undefined;
		const wait = sentAt + pollMs - performance.now();
		if (wait > 0) await Bun.sleep(wait);
	}
}

export async function measurePropagation(
	cluster: GossipCluster,
	samples: number,
	pollMs: number,
	log: (line: string) => void,
	timeoutMs = 5000,
): Promise<PropagationFigures> {
	const delaysMs: number[] = [];
	let timeouts = 0;
	let expected = (await value(cluster.api[0] ?? "")) ?? 0;
	// One unrecorded sample first: connections open, the key exists everywhere.
	for (let sample = 0; sample <= samples; sample++) {
		const origin = Math.floor(Math.random() * cluster.size);
		const answered = await increment(cluster.api[origin] ?? "");
		const from = performance.now();
		expected += 1;
		if (answered !== expected)
			throw new Error(
				`node ${origin + 1} answered ${answered} after the increment, expected ${expected}`,
			);
		const others = cluster.api.filter((_, i) => i !== origin);
		const delays = await Promise.all(
			others.map((url) => visibleAt(url, expected, from, pollMs, timeoutMs)),
		);
		if (sample > 0) {
			for (const d of delays) {
				if (d === undefined) timeouts++;
				delaysMs.push(d ?? timeoutMs);
			}
			const slowest = Math.max(...delays.map((d) => d ?? timeoutMs));
			if (sample % 10 === 0 || sample === samples)
				log(
					`  ${cluster.size} nodes: sample ${sample}/${samples}, slowest node ${slowest.toFixed(0)} ms`,
				);
		}
		if (delays.some((d) => d === undefined)) {
			// Let the stragglers catch up so the next sample starts from a common total.
			await Promise.all(
				others.map((url) => visibleAt(url, expected, performance.now(), 50, 30_000)),
			);
		}
		await Bun.sleep(50 + Math.random() * 150);
	}
	return { nodes: cluster.size, samples, delaysMs, timeouts, pollMs };
}
