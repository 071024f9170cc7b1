import { describe, expect, test } from "bun:test";
import type { HostDriver } from "../../scripts/rollout/host-rollout.ts";
import { parseInventory } from "../../scripts/rollout/inventory.ts";
import { planWaves } from "../../scripts/rollout/plan.ts";
import { runWaves, summarize } from "../../scripts/rollout/run.ts";
import { type Exec, SshDriver, shellQuote } from "../../scripts/rollout/ssh-driver.ts";

const INVENTORY = parseInventory(
	`canary: a
batchSize: 2
pops:
  a:
    hosts:
      - { name: a1, via: local, dir: /tmp/x/a1, port: 1001 }
      - { name: a2, via: local, dir: /tmp/x/a2, port: 1002 }
  b:
    hosts:
      - { name: b1, via: local, dir: /tmp/x/b1, port: 1003 }
  c:
    hosts:
      - { name: c1, via: local, dir: /tmp/x/c1, port: 1004 }
  d:
    hosts:
      - { name: d1, via: local, dir: /tmp/x/d1, port: 1005 }
`,
	"inventory.yaml",
);

/** Every host healthy, except those named in `broken`, whose new process never answers. */
function drivers(broken: readonly string[], touched: string[]) {
	let pid = 1000;
	return (_pop: string, host: { name: string }): HostDriver => ({
		stage: async () => void touched.push(host.name),
		swap: async () => {},
		restore: async () => {},
		runningPid: async () => undefined,
		start: async () => ++pid,
		awaitHealthy: async (p) =>
			broken.includes(host.name) ? { failed: "health check timed out" } : { pid: p, build: "v2" },
		stop: async () => {},
		recordPid: async () => {},
	});
}

describe("running waves", () => {
	test("every host of every wave, canary first", async () => {
		const touched: string[] = [];
		const results = await runWaves(planWaves(INVENTORY), {
			driverFor: drivers([], touched),
			buildFor: () => "v2",
			healthTimeoutMs: 100,
			log: () => {},
		});
		expect(results.every((r) => r.outcome.ok)).toBe(true);
		expect(touched.slice(0, 2)).toEqual(["a1", "a2"]);
		expect([...touched].sort()).toEqual(["a1", "a2", "b1", "c1", "d1"]);
		expect(summarize(results, 5)).toBe("rollout: 5/5 hosts updated");
	});

	test("a broken canary host stops the rollout: no other POP is touched", async () => {
		const touched: string[] = [];
		const results = await runWaves(planWaves(INVENTORY), {
			driverFor: drivers(["a1"], touched),
			buildFor: () => "v2",
			healthTimeoutMs: 100,
			log: () => {},
		});
		expect(touched).toEqual(["a1"]);
		expect(summarize(results, 5)).toBe(
			"rollout: 0/5 hosts updated\n  FAILED a/a1: health check timed out (rolled back to the previous binary)",
		);
	});

	test("a failure in a later wave lets that wave settle, then stops", async () => {
		const touched: string[] = [];
		await runWaves(planWaves(INVENTORY), {
			driverFor: drivers(["b1"], touched),
			buildFor: () => "v2",
			healthTimeoutMs: 100,
			log: () => {},
		});
		// Wave 1 is b and c together; d's wave never starts.
		expect([...touched].sort()).toEqual(["a1", "a2", "b1", "c1"]);
	});
});

describe("ssh host", () => {
	test("its steps as commands, quoted for the remote shell", async () => {
		const commands: string[] = [];
		const exec: Exec = async (argv) => {
			commands.push(argv.join(" "));
			return { code: 0, stdout: argv.some((a) => a.includes("nohup")) ? "4242\n" : "" };
		};
		const driver = new SshDriver(
			{
				address: "deploy@10.0.0.7",
				dir: "/opt/neuro cache",
				port: 8080,
				args: ["--origin", "http://o"],
			},
			"dist/neuro-edge-iad1",
			exec,
		);
		await driver.stage();
		await driver.swap();
		expect(await driver.start()).toBe(4242);
		expect(commands[0]).toBe("ssh -o BatchMode=yes deploy@10.0.0.7 mkdir -p '/opt/neuro cache'");
		expect(commands[1]).toBe(
			"scp -q -o BatchMode=yes dist/neuro-edge-iad1 deploy@10.0.0.7:/opt/neuro cache/neuro-edge.new",
		);
		expect(commands.at(-1)).toContain("'--port' '8080' '--origin' 'http://o'");
		// The new binary binds beside the one it replaces (edge/runtime/bun.ts joinHeldPort).
		expect(commands.at(-1)).toContain("NEURO_TAKEOVER=1 nohup ");
		expect(shellQuote("it's")).toBe(`'it'\\''s'`);
	});

	test("a failing remote command is an error, not a silent success", async () => {
		const driver = new SshDriver(
			{ address: "deploy@10.0.0.7", dir: "/opt/n", port: 8080, args: [] },
			"bin",
			async () => ({ code: 255, stdout: "" }),
		);
		await expect(driver.stage()).rejects.toThrow(/ssh deploy@10\.0\.0\.7 failed \(255\)/);
	});
});
