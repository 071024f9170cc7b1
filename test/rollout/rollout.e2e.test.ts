/**
 * scripts/rollout.sh end to end with real POP binaries on three `local` POPs: a first
 * install, a rollout to a new build while a load loop keeps requesting (zero failures),
 * a broken binary that fails its health check on the canary and is rolled back there
 * without reaching the other POPs, --dry-run, and a bad inventory.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoOrigin } from "../../edge/demo-origin.ts";
import { freeLoopbackPorts } from "../../scripts/lib/free-ports.ts";
import { runToEnd } from "../node/node-process.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const ROLLOUT = join(ROOT, "scripts", "rollout.sh");
const BUILD = join(ROOT, "scripts", "build-pop.sh");
const POPS = ["ams1", "fra1", "lhr1"];

let work = "";
let origin: ReturnType<typeof Bun.serve> | undefined;
const ports: number[] = [];
let inventoryPath = "";
let v1 = "";
let v2 = "";

/** Builds the test POP into `out` and returns its --version line. */
async function buildInto(out: string): Promise<string> {
	const built = await runToEnd([BUILD, "tst1", "--pops-dir", join(work, "pops"), "--out-dir", out]);
	if (built.code !== 0) throw new Error(`build failed:\n${built.stderr}`);
	const version = await runToEnd([join(out, "neuro-edge-tst1"), "--version"]);
	return version.stdout.trim();
}

/** Puts `binary` in place as every POP's binary in dist/. */
function stage(binary: string): void {
	for (const pop of POPS) copyFileSync(binary, join(work, "dist", `neuro-edge-${pop}`));
}

async function health(port: number): Promise<{ pid: number; build: string }> {
	const response = await fetch(`http://127.0.0.1:${port}/_neuro/health`, {
		headers: { connection: "close" },
	});
	return (await response.json()) as { pid: number; build: string };
}

function pidFile(pop: string): number {
	return Number(readFileSync(join(work, "hosts", `${pop}-a`, "neuro-edge.pid"), "utf8").trim());
}

function rollout(...args: string[]) {
	return runToEnd([ROLLOUT, "--inventory", inventoryPath, "--dist", join(work, "dist"), ...args]);
}

beforeAll(async () => {
	work = mkdtempSync(join(tmpdir(), "neuro-rollout-"));
	mkdirSync(join(work, "pops"));
	mkdirSync(join(work, "dist"));
	writeFileSync(
		join(work, "pops", "tst1.yaml"),
		"name: tst1\nregion: test-1\nlisten:\n  host: 127.0.0.1\n  port: 0\ntiers:\n  memoryMb: 16\n",
	);
	origin = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createDemoOrigin().app.fetch });
	ports.push(...freeLoopbackPorts(POPS.length));
	const hosts = POPS.map(
		(pop, i) => `  ${pop}:
    hosts:
      - name: ${pop}-a
        via: local
        dir: ${join(work, "hosts", `${pop}-a`)}
        port: ${ports[i]}
        args: ["--origin", "http://127.0.0.1:${origin?.port}", "--memory-mb", "16", "--drain-ms", "5000"]`,
	);
	inventoryPath = join(work, "inventory.yaml");
	writeFileSync(
		inventoryPath,
		`batchSize: 1\nhealthTimeoutMs: 15000\npops:\n${hosts.join("\n")}\n`,
	);
	v1 = await buildInto(join(work, "v1"));
	// The build time is part of the version line: build again until it differs.
	for (let i = 0; i < 20 && (v2 === "" || v2 === v1); i++) v2 = await buildInto(join(work, "v2"));
	if (v2 === v1) throw new Error("two builds report the same version line");
}, 120_000);

afterAll(() => {
	for (const pop of POPS) {
		try {
			process.kill(pidFile(pop), "SIGKILL");
		} catch {
			// not running
		}
	}
	origin?.stop(true);
	rmSync(work, { recursive: true, force: true });
});

describe("rollout.sh", () => {
	test("a bad inventory is refused with the line and field; nothing is touched", async () => {
		const bad = join(work, "bad.yaml");
		writeFileSync(
			bad,
			"pops:\n  fra1:\n    hosts:\n      - name: x\n        via: local\n        dir: rel\n        port: 1\n",
		);
		const run = await runToEnd([ROLLOUT, "--inventory", bad, "--dist", join(work, "dist")]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(`${bad}:6: pops.fra1.hosts[0].dir: must be an absolute path`);
	});

	test("--dry-run prints the plan, canary first, and touches nothing", async () => {
		stage(join(work, "v1", "neuro-edge-tst1"));
		const run = await rollout("--dry-run");
		expect(run.code).toBe(0);
		expect(run.stdout.split("\n")[0]).toBe("canary:");
		expect(run.stdout).toContain(
			`ams1/ams1-a: local ${join(work, "hosts", "ams1-a")} port ${ports[0]}`,
		);
		expect(run.stdout).toContain("wave 2:");
		expect(() => readFileSync(join(work, "hosts", "ams1-a", "neuro-edge"))).toThrow();
	});

	test("first install, then a new build under load: zero failed requests", async () => {
		stage(join(work, "v1", "neuro-edge-tst1"));
		const install = await rollout();
		expect(install.stdout).toContain("rollout: 3/3 hosts updated");
		expect(install.code).toBe(0);
		const before = await Promise.all(ports.map(health));
		expect(before.map((h) => h.build)).toEqual([v1, v1, v1]);

		// Clients keep asking every POP while the rollout replaces every process.
		let running = true;
		let ok = 0;
		const failures: string[] = [];
		const client = async (offset: number) => {
			for (let n = offset; running; n++) {
				const port = ports[n % ports.length] as number;
				try {
					const response = await fetch(`http://127.0.0.1:${port}/bytes/1024`);
					const body = await response.arrayBuffer();
					if (response.status === 200 && body.byteLength === 1024) ok++;
					else failures.push(`${port}: HTTP ${response.status}, ${body.byteLength} bytes`);
				} catch (error) {
					failures.push(`${port}: ${(error as Error).message}`);
				}
			}
		};
		const clients = [0, 1, 2, 3].map(client);
		stage(join(work, "v2", "neuro-edge-tst1"));
		const update = await rollout();
		running = false;
		await Promise.all(clients);

		expect(update.stdout).toContain("rollout: 3/3 hosts updated");
		expect(update.code).toBe(0);
		expect(failures).toEqual([]);
		expect(ok).toBeGreaterThan(50);
		const after = await Promise.all(ports.map(health));
		expect(after.map((h) => h.build)).toEqual([v2, v2, v2]);
		for (const [i, h] of after.entries()) {
			expect(h.pid).not.toBe(before[i]?.pid);
			// The old process drained and exited.
			expect(() => process.kill(before[i]?.pid as number, 0)).toThrow();
		}
	}, 120_000);

	test("a binary that fails its health check is rolled back on the canary and goes no further", async () => {
		const identity = async (port: number) => {
			const { pid, build } = await health(port);
			return { pid, build };
		};
		const serving = await Promise.all(ports.map(identity));
		const broken = join(work, "broken");
		writeFileSync(
			broken,
			'#!/bin/sh\nif [ "$1" = "--version" ]; then echo "neurocache 9.9.9 broken"; exit 0; fi\necho "cannot start" >&2\nexit 1\n',
			{ mode: 0o755 },
		);
		stage(broken);
		const run = await rollout();
		expect(run.code).toBe(1);
		expect(run.stdout).toContain("rollout: 0/3 hosts updated");
		expect(run.stdout).toMatch(/FAILED ams1\/ams1-a: .*\(rolled back to the previous binary\)/);
		// Every POP still serves the build it had, from the same process.
		expect(await Promise.all(ports.map(identity))).toEqual(serving);
		// The canary's binary is the previous one again; the others were never touched.
		const good = readFileSync(join(work, "v2", "neuro-edge-tst1"));
		for (const pop of POPS) {
			const installed = readFileSync(join(work, "hosts", `${pop}-a`, "neuro-edge"));
			expect(installed.equals(good)).toBe(true);
		}
		for (const pop of POPS.slice(1)) {
			expect(() => readFileSync(join(work, "hosts", `${pop}-a`, "neuro-edge.new"))).toThrow();
		}
	}, 60_000);
});
