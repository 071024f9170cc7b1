/**
 * The order a rollout takes: the canary POP alone first, then the other POPs in waves of
 * `batchSize`, in inventory order. Pure, so the plan printed by --dry-run is the plan run.
 */
import type { Inventory, InventoryHost } from "./inventory.ts";

export interface Wave {
	readonly label: string;
	readonly pops: readonly { readonly pop: string; readonly hosts: readonly InventoryHost[] }[];
}

export function planWaves(inventory: Inventory, batchSize = inventory.batchSize): Wave[] {
	const names = Object.keys(inventory.pops);
	const canary = inventory.canary ?? (names[0] as string);
	const entry = (pop: string) => ({ pop, hosts: inventory.pops[pop]?.hosts ?? [] });
	const waves: Wave[] = [{ label: "canary", pops: [entry(canary)] }];
	const rest = names.filter((pop) => pop !== canary);
	for (let i = 0; i < rest.length; i += batchSize) {
		waves.push({
			label: `wave ${waves.length}`,
			pops: rest.slice(i, i + batchSize).map(entry),
		});
	}
	return waves;
}

/** The plan as --dry-run prints it: one line per host, grouped by wave. */
export function describePlan(waves: readonly Wave[]): string {
	const lines: string[] = [];
	for (const wave of waves) {
		lines.push(`${wave.label}:`);
		for (const { pop, hosts } of wave.pops) {
			for (const host of hosts) {
				const where =
					host.via === "local"
						? `local ${host.dir} port ${host.port}`
						: `ssh ${host.address}:${host.dir} port ${host.port}`;
				lines.push(`  ${pop}/${host.name}: ${where}`);
			}
		}
	}
	return lines.join("\n");
}
