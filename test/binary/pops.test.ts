/** The sample POP files in pops/ are valid (the build checks the same way, before compiling). */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

/** Loads a POP file x1.yaml of `lines` from a directory of its own, removed after. */
function loadX1(lines: readonly string[]) {
	const dir = mkdtempSync(join(tmpdir(), "neurocache-pops-"));
	try {
		writeFileSync(join(dir, "x1.yaml"), [...lines, ""].join("\n"));
		return loadPopFile(dir, "x1");
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

const X1_HEAD = ["name: x1", "region: eu", "listen: { host: 127.0.0.1, port: 8109 }"];

test("a POP file naming one route's host twice is refused with the line, not cut to the last", () => {
	const lines = [
		...X1_HEAD,
		"routes:",
		"  hosts:",
		"    a.test:",
		"      origin: http://127.0.0.1:9001",
		"    a.test:",
		"      origin: http://127.0.0.1:9002",
		"tiers: { memoryMb: 16 }",
	];
	expect(() => loadX1(lines)).toThrow(
		"x1.yaml: line 8: routes.hosts.a.test: written twice in one mapping (lines 6 and 8)",
	);
});

test("a POP file whose large store is too small to take an object fails the build, naming the field", () => {
	const lines = [
		...X1_HEAD,
		"origin: http://127.0.0.1:9001",
		"tiers: { memoryMb: 16, largeMb: 2 }",
	];
	expect(() => loadX1(lines)).toThrow("x1.yaml: tiers.largeMb: must be 0 (off) or at least 5 MiB");
	expect(
		loadX1([...X1_HEAD, "origin: http://127.0.0.1:9001", "tiers: { memoryMb: 16, largeMb: 5 }"])
			.tiers.largeMb,
	).toBe(5);
});
