/** The sample POP files in pops/ are valid (the build checks the same way, before compiling). */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { listPops, loadPopFile } from "../../scripts/build-pop/pop-file.ts";
import { parseInventory } from "../../scripts/rollout/inventory.ts";

const POPS = join(new URL("../..", import.meta.url).pathname, "pops");

test("every pops/*.yaml validates, on loopback, with a distinct port", () => {
	const names = listPops(POPS);
	expect(names.length).toBeGreaterThanOrEqual(2);
	const pops = names.map((name) => loadPopFile(POPS, name));
	for (const pop of pops) expect(pop.listen.host).toBe("127.0.0.1");
	expect(new Set(pops.map((pop) => pop.listen.port)).size).toBe(pops.length);
});

test("pops/inventory.yaml is the rollout's inventory, not a POP, and names every POP", async () => {
	expect(listPops(POPS)).not.toContain("inventory");
	const path = join(POPS, "inventory.yaml");
	const inventory = parseInventory(await Bun.file(path).text(), path);
	expect(Object.keys(inventory.pops).sort()).toEqual(listPops(POPS));
});
