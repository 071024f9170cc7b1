/**
 * Waiting for one process to be healthy on a port it shares with others (SO_REUSEPORT):
 * each poll opens a new connection (the kernel spreads connections over the listeners)
 * and only an answer carrying the wanted pid counts.
 */
import * as v from "valibot";
import type { Health } from "./host-rollout.ts";

const HealthBody = v.object({
	status: v.literal("ok"),
	pid: v.number(),
	build: v.string(),
});

const POLL_MS = 50;

export async function awaitHealthyPid(
	baseUrl: string,
	pid: number,
	timeoutMs: number,
	alive: () => boolean,
): Promise<Health | { readonly failed: string }> {
	const deadline = Date.now() + timeoutMs;
	let lastProblem = "no answer yet";
	while (Date.now() < deadline) {
		if (!alive()) return { failed: "the new process exited before it was healthy" };
		try {
			const response = await fetch(`${baseUrl}/_neuro/health`, {
				headers: { connection: "close" },
				signal: AbortSignal.timeout(1000),
			});
			const parsed = v.safeParse(HealthBody, await response.json());
			if (parsed.success && parsed.output.pid === pid) return { pid, build: parsed.output.build };
			if (!parsed.success) lastProblem = `unexpected health answer (HTTP ${response.status})`;
		} catch (error) {
			lastProblem = (error as Error).message;
		}
		await Bun.sleep(POLL_MS);
	}
	return { failed: `not healthy within ${timeoutMs} ms (${lastProblem})` };
}
