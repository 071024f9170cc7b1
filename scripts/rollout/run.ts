/**
 * Runs a rollout plan: wave after wave; in a wave the POPs go in parallel, the hosts of a
 * POP one after the other. The first failure ends the rollout once its wave settles: the
 * failed host is already rolled back, and no later wave starts.
 */
import { type HostDriver, type HostOutcome, rolloutHost } from "./host-rollout.ts";
import type { InventoryHost } from "./inventory.ts";
import type { Wave } from "./plan.ts";

export interface HostResult {
	readonly pop: string;
	readonly host: string;
	readonly outcome:
		| HostOutcome
		| {
				readonly ok: false;
				readonly reason: string;
				readonly rolledBack: false;
				readonly skipped: true;
		  };
}

export interface RunOptions {
	readonly driverFor: (pop: string, host: InventoryHost) => HostDriver;
	/** The build string each POP's new binary reports (its --version line). */
	readonly buildFor: (pop: string) => string;
	readonly healthTimeoutMs: number;
	readonly log: (line: string) => void;
}

export async function runWaves(waves: readonly Wave[], options: RunOptions): Promise<HostResult[]> {
	const results: HostResult[] = [];
	for (const wave of waves) {
		options.log(`${wave.label}: ${wave.pops.map((p) => p.pop).join(", ")}`);
		const perPop = await Promise.all(
			wave.pops.map(async ({ pop, hosts }) => {
				const done: HostResult[] = [];
				for (const host of hosts) {
					if (done.some((r) => !r.outcome.ok)) break;
					const log = (line: string) => options.log(`  ${pop}/${host.name}: ${line}`);
					let outcome: HostOutcome;
					try {
						outcome = await rolloutHost(
							options.driverFor(pop, host),
							options.buildFor(pop),
							options.healthTimeoutMs,
							log,
						);
					} catch (error) {
						outcome = { ok: false, reason: (error as Error).message, rolledBack: false };
					}
					log(outcome.ok ? `done, serving as pid ${outcome.pid}` : `FAILED: ${outcome.reason}`);
					done.push({ pop, host: host.name, outcome });
				}
				return done;
			}),
		);
		results.push(...perPop.flat());
		if (results.some((r) => !r.outcome.ok)) {
			options.log(`stopping after ${wave.label}: a host failed`);
			break;
		}
	}
	return results;
}

/** The closing summary: counts, and each failure with what was done about it. */
export function summarize(results: readonly HostResult[], plannedHosts: number): string {
	const ok = results.filter((r) => r.outcome.ok).length;
	const lines = [`rollout: ${ok}/${plannedHosts} hosts updated`];
	for (const r of results) {
		if (r.outcome.ok) continue;
		const fate = r.outcome.rolledBack
			? "rolled back to the previous binary"
			: "NOT rolled back: check it";
		lines.push(`  FAILED ${r.pop}/${r.host}: ${r.outcome.reason} (${fate})`);
	}
	if (ok < plannedHosts && results.every((r) => r.outcome.ok))
		lines.push("  (not all hosts were reached)");
	return lines.join("\n");
}
