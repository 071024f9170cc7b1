/**
 * A POP binary end to end: built once (scripts/build-pop.sh, from a POP file the test
 * writes), copied alone into a temp dir and run from there as an unprivileged user (nobody
 * via setpriv when the tests run as root): --version, a 200 from the demo origin on the
 * native slab (its temp copy already gone), flags over the baked config, the TS-slab
 * fallback, bad flags at start, and bad POP files refused at build time.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
	chmodSync,
	chownSync,
	copyFileSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NodeProcess, runToEnd, startNode } from "../node/node-process.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const BUILD = join(ROOT, "scripts", "build-pop.sh");
const NOBODY = 65_534;
const asRoot = process.getuid?.() === 0;

const TEST_POP = `name: tst1
region: test-1
listen:
  host: 127.0.0.1
  port: 0
tiers:
  memoryMb: 16
`;

let work: string;
let runDir: string;
let binary: string;
let privateTmp: string;
const started: NodeProcess[] = [];

/** The argv prefix that runs the binary as nobody (or as ourselves when not root). */
function unprivileged(): string[] {
	if (!asRoot) return [binary];
	return ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", binary];
}

function ownedByRunner(dir: string): string {
	mkdirSync(dir, { mode: 0o700 });
	if (asRoot) chownSync(dir, NOBODY, NOBODY);
	return dir;
}

function build(args: string[]) {
	return runToEnd([BUILD, ...args]);
}

beforeAll(async () => {
	work = mkdtempSync(join(tmpdir(), "neuro-binary-"));
	const pops = join(work, "pops");
	mkdirSync(pops);
	writeFileSync(join(pops, "tst1.yaml"), TEST_POP);
	const built = await build(["tst1", "--pops-dir", pops, "--out-dir", join(work, "dist")]);
	if (built.code !== 0) throw new Error(`build failed:\n${built.stderr}`);
	// Alone in a directory nobody can enter: no node_modules, no repo beside it.
	runDir = join(work, "run");
	mkdirSync(runDir);
	binary = join(runDir, "neuro-edge-tst1");
	copyFileSync(join(work, "dist", "neuro-edge-tst1"), binary);
	chmodSync(work, 0o755);
	chmodSync(runDir, 0o755);
	chmodSync(binary, 0o755);
	privateTmp = ownedByRunner(join(work, "tmp"));
	// Bun's executables read a .env where they start unless built not to: this one must not.
	writeFileSync(join(runDir, ".env"), "NEURO_ORIGIN=http://127.0.0.1:9\n");
}, 60_000);

afterAll(() => {
	for (const node of started) node.kill();
	rmSync(work, { recursive: true, force: true });
});

async function start(args: string[], env: Record<string, string> = {}) {
	const node = await startNode(unprivileged(), args, {
		cwd: runDir,
		env: { TMPDIR: privateTmp, HOME: runDir, ...env },
	});
	started.push(node);
	return node;
}

describe("a POP binary", () => {
	test("--version prints version, POP and commit, exit 0", async () => {
		const head = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: ROOT });
		const run = await runToEnd([...unprivileged(), "--version"], { cwd: runDir });
		expect(run.code).toBe(0);
		expect(run.stdout).toStartWith(
			`neurocache 0.1.0 pop=tst1 region=test-1 commit=${head.stdout.toString().trim()}`,
		);
	});

	test("serves a 200 from the demo origin as nobody, on the native slab, temp copy gone", async () => {
		const node = await start(["--memory-mb", "8"]);
		// The flag wins over the baked 16 MiB; the name comes from the baked config.
		expect(node.lines[0]).toContain("pop tst1");
		expect(node.lines[0]).toContain("(L0 8 MiB, ffi slab)");
		// The demo origin, on a port of its own: not the .env's origin.
		expect(node.lines[0]).toMatch(/origin http:\/\/127\.0\.0\.1:\d+ /);
		expect(node.lines[0]).not.toContain("origin http://127.0.0.1:9 ");
		const response = await fetch(`${node.url}/pages/7`);
		expect(response.status).toBe(200);
		expect(await response.text()).toContain("<h1>Page 7</h1>");
		const health = (await (await fetch(`${node.url}/_neuro/health`)).json()) as { slab: string };
		expect(health.slab).toBe("ffi");
		expect(readdirSync(privateTmp)).toEqual([]);
		if (asRoot) {
			const owner = (await Bun.file(`/proc/${node.proc.pid}/status`).text()).match(
				/^Uid:\s+(\d+)/m,
			);
			expect(owner?.[1]).toBe(String(NOBODY));
		}
		node.proc.kill("SIGTERM");
		expect(await node.exited).toBe(0);
	});

	test("with no usable temp dir it warns and serves on the TS slab", async () => {
		const node = await start([], { TMPDIR: join(work, "absent") });
		expect(node.lines.join("\n")).toContain("WARN native slab unavailable in this binary");
		expect(node.lines.join("\n")).toContain("(L0 16 MiB, ts slab)");
		expect((await fetch(`${node.url}/pages/1`)).status).toBe(200);
		node.proc.kill("SIGTERM");
		expect(await node.exited).toBe(0);
	});

	const badFlags: [string[], string][] = [
		[["--port", "nope"], "--port: must be a port number"],
		[["--http3"], "--http3 needs --tls-cert and --tls-key"],
		[["--memory-mb", "0"], "--memory-mb: must be at least 1 MiB"],
	];
	for (const [args, message] of badFlags) {
		test(`refuses ${args.join(" ")} at start: exit 2, nothing served`, async () => {
			const run = await runToEnd([...unprivileged(), ...args], { cwd: runDir });
			expect(run.code).toBe(2);
			expect(run.stderr).toContain(message);
			expect(run.stderr).not.toContain("edge on");
		});
	}
});

describe("scripts/build-pop.sh refuses bad input, building nothing", () => {
	const cases: [string, string, string][] = [
		[
			"port out of range",
			TEST_POP.replace("port: 0", "port: 70000"),
			"listen.port: must be 0-65535",
		],
		["a missing field", TEST_POP.replace("region: test-1\n", ""), "region: is required (missing)"],
		["an unknown field", `${TEST_POP}disk: 5\n`, "disk: unknown field"],
		[
			"a bad origin",
			`${TEST_POP}origin: ftp://x.test\n`,
			"origin: must be an absolute http(s) URL",
		],
		[
			"a name unlike the file's",
			TEST_POP.replace("name: tst1", "name: tst2"),
			"name: must match the file name",
		],
		[
			"memory as text",
			TEST_POP.replace("memoryMb: 16", "memoryMb: lots"),
			"tiers.memoryMb: must be a number",
		],
		["broken YAML", "name: [tst1\n", "not valid YAML"],
	];
	for (const [what, yaml, message] of cases) {
		test(`${what}: exit 2 naming the field`, async () => {
			const pops = mkdtempSync(join(work, "pops-bad-"));
			const out = join(pops, "out");
			writeFileSync(join(pops, "tst1.yaml"), yaml);
			writeFileSync(join(pops, "good1.yaml"), TEST_POP.replace("name: tst1", "name: good1"));
			for (const args of [["tst1"], ["--all"]]) {
				const run = await build([...args, "--pops-dir", pops, "--out-dir", out]);
				expect(run.code).toBe(2);
				expect(run.stderr).toContain(`${join(pops, "tst1.yaml")}: `);
				expect(run.stderr).toContain(message);
				// --all checks every file first: the good POP is not built either.
				expect(() => readdirSync(out)).toThrow();
			}
		});
	}

	test("an unknown POP, a path for a name, or no POP named: exit 2", async () => {
		const unknown = await build(["nowhere1", "--out-dir", join(work, "never")]);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain("nowhere1.yaml: no such POP file");
		const path = await build(["../pops/fra1"]);
		expect(path.code).toBe(2);
		expect(path.stderr).toContain('"../pops/fra1" is not a POP name');
		const none = await build([]);
		expect(none.code).toBe(2);
		expect(none.stderr).toContain("give one POP name, or --all");
	});
});
