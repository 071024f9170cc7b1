import { describe, expect, test } from "bun:test";
import { InventoryError, parseInventory } from "../../scripts/rollout/inventory.ts";
import { describePlan, planWaves } from "../../scripts/rollout/plan.ts";
import { lineOfPath } from "../../scripts/rollout/yaml-lines.ts";

const GOOD = `# three POPs on this machine
canary: iad1
batchSize: 1
pops:
  fra1:
    hosts:
      - name: fra1-a
        via: local
        dir: /tmp/neuro/fra1-a
        port: 18201
  iad1:
    hosts:
      - name: iad1-a
        via: local
        dir: /tmp/neuro/iad1-a
        port: 18202
      - name: iad1-b
        via: ssh
        address: deploy@10.0.0.7
        dir: /opt/neurocache
        port: 8080
  sin1:
    hosts:
      - name: sin1-a
        via: local
        dir: /tmp/neuro/sin1-a
        port: 18203
`;

function refusal(text: string): string {
	try {
		parseInventory(text, "inventory.yaml");
	} catch (error) {
		if (error instanceof InventoryError) return error.message;
		throw error;
	}
	throw new Error("expected the inventory to be refused");
}

describe("inventory", () => {
	test("a good inventory parses, with defaults filled in", () => {
		const inventory = parseInventory(GOOD, "inventory.yaml");
		expect(Object.keys(inventory.pops)).toEqual(["fra1", "iad1", "sin1"]);
		expect(inventory.pops.iad1?.hosts[1]).toEqual({
			name: "iad1-b",
			via: "ssh",
			address: "deploy@10.0.0.7",
			dir: "/opt/neurocache",
			port: 8080,
			args: [],
		});
		expect(inventory.healthTimeoutMs).toBe(15_000);
	});

	test("a bad field is refused with its line and path", () => {
		expect(refusal(GOOD.replace("port: 18202", "port: 99999"))).toBe(
			"inventory.yaml:16: pops.iad1.hosts[0].port: must be a port 1-65535",
		);
		expect(refusal(GOOD.replace("via: ssh", "via: telnet"))).toMatch(
			/^inventory\.yaml:18: pops\.iad1\.hosts\[1\]\.via: /,
		);
		expect(refusal(GOOD.replace("dir: /opt/neurocache", "dir: opt"))).toBe(
			"inventory.yaml:20: pops.iad1.hosts[1].dir: must be an absolute path",
		);
		expect(refusal(GOOD.replace("batchSize: 1", "batchSize: many"))).toBe(
			"inventory.yaml:3: batchSize: must be a number",
		);
	});

	test("unknown fields, an unknown canary, duplicates and empty POPs are refused", () => {
		expect(refusal(GOOD.replace("canary: iad1", "canary: iad1\ncolour: red"))).toMatch(/colour/);
		expect(refusal(GOOD.replace("canary: iad1", "canary: lhr1"))).toBe(
			"inventory.yaml:2: canary: no POP named lhr1",
		);
		expect(refusal(GOOD.replace("name: sin1-a", "name: fra1-a"))).toBe(
			"inventory.yaml:24: pops.sin1.hosts[0].name: fra1-a is listed twice",
		);
		expect(refusal(GOOD.replace("port: 18203", "port: 18201"))).toBe(
			"inventory.yaml:27: pops.sin1.hosts[0].port: 18201 is used by another local host",
		);
		expect(refusal("pops: {}\n")).toMatch(/needs at least one POP/);
		expect(refusal("pops:\n  fra1:\n    hosts: []\n")).toMatch(/pops\.fra1\.hosts: needs a host/);
	});

	test("a POP written twice is refused: the parser would keep only the second", () => {
		const twice = GOOD.replace("  sin1:\n", "  fra1:\n");
		expect(refusal(twice)).toMatch(/^inventory\.yaml: line 22: pops\.fra1: written twice/);
	});

	test("not YAML, or not a mapping, is refused without a crash", () => {
		expect(refusal("pops: [unclosed\n")).toMatch(/^inventory\.yaml: not valid YAML/);
		expect(refusal("just a string\n")).toMatch(/^inventory\.yaml: \(top level\)/);
		expect(refusal("")).toMatch(/^inventory\.yaml/);
	});

	test("lineOfPath follows keys and list items by indentation", () => {
		expect(lineOfPath(GOOD, ["pops", "iad1", "hosts", 1, "address"])).toBe(19);
		expect(lineOfPath(GOOD, ["pops", "sin1"])).toBe(22);
		// A path it cannot follow names the deepest line it found.
		expect(lineOfPath(GOOD, ["pops", "lhr1", "hosts"])).toBe(4);
	});
});

describe("rollout plan", () => {
	test("the canary alone first, then the rest in batches, in inventory order", () => {
		const inventory = parseInventory(GOOD, "inventory.yaml");
		const waves = planWaves(inventory);
		expect(waves.map((wave) => [wave.label, wave.pops.map((p) => p.pop)])).toEqual([
			["canary", ["iad1"]],
			["wave 1", ["fra1"]],
			["wave 2", ["sin1"]],
		]);
		expect(planWaves(inventory, 5).map((wave) => wave.pops.length)).toEqual([1, 2]);
		expect(describePlan(waves)).toContain(
			"  iad1/iad1-b: ssh deploy@10.0.0.7:/opt/neurocache port 8080",
		);
	});

	test("without a canary named, the first POP is the canary", () => {
		const inventory = parseInventory(GOOD.replace("canary: iad1\n", ""), "inventory.yaml");
		expect(planWaves(inventory)[0]?.pops[0]?.pop).toBe("fra1");
	});
});
