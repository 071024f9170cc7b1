/**
 * `npm run trace` end to end: the CLI run as a user runs it, on a trace written here (the
 * shared traces stay out of `npm test`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRIPT = join(import.meta.dir, "../../../scripts/trace.ts");
let dir = "";

/** A skewed trace: a few hot keys among many cold ones, sized 100-1000 bytes. */
function writeTrace(path: string, requests: number): void {
	const lines = ["timestamp,key,size"];
	let x = 12345;
	for (let i = 0; i < requests; i++) {
		x = (x * 1103515245 + 12345) & 0x7fffffff;
		const key = x % 4 === 0 ? x % 5000 : x % 20;
		lines.push(`${i},k${key},${100 + ((key * 37) % 900)}`);
	}
	writeFileSync(path, `${lines.join("\n")}\n`);
}

async function runCli(...args: string[]) {
	const child = Bun.spawn([process.execPath, SCRIPT, ...args], { stdout: "pipe", stderr: "pipe" });
	const [stdout, stderr, code] = await Promise.all([
		new Response(child.stdout).text(),
		new Response(child.stderr).text(),
		child.exited,
	]);
	return { stdout, stderr, code };
}

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), "neuro-trace-"));
	writeTrace(join(dir, "skewed.csv"), 20_000);
	writeFileSync(join(dir, "truncated.csv"), "timestamp,key,size\n1,a,10\n2,b");
	writeFileSync(join(dir, "empty.csv"), "");
	writeFileSync(join(dir, "one-key.csv"), "1,a,1\n2,a,1\n");
	writeFileSync(join(dir, "zeros.csv"), "time,id,bytes\n1,a,0\n2,b,5\n3,b,5\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run trace", () => {
	test("replays a trace through LRU, ours and OPT and prints the gap closed", async () => {
		const { stdout, stderr, code } = await runCli(join(dir, "skewed.csv"), "--size", "10%");
		expect(code).toBe(0);
		expect(stderr).toContain("loaded skewed: 20000 requests");
		expect(stdout).toMatch(/LRU/);
		expect(stdout).toMatch(/OPT/);
		expect(stdout).toMatch(/gap/i);
		const ratios = [...stdout.matchAll(/0\.\d{3,}/g)].map((m) => Number(m[0]));
		expect(ratios.length).toBeGreaterThan(0);
	});

	test("byte mode runs on the same trace", async () => {
		const { code, stdout } = await runCli(join(dir, "skewed.csv"), "--size", "30%", "--bytes");
		expect(code).toBe(0);
		expect(stdout).toMatch(/byte/i);
	});

	test("bad input: a missing file, a truncated trace, a bad size: exit 2 with the reason", async () => {
		const missing = await runCli(join(dir, "nope.csv"));
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain("no such trace file");

		const truncated = await runCli(join(dir, "truncated.csv"));
		expect(truncated.code).toBe(2);
		expect(truncated.stderr).toMatch(/line 3/);

		const badSize = await runCli(join(dir, "skewed.csv"), "--size", "200%");
		expect(badSize.code).toBe(2);
		expect(badSize.stderr).toContain("size must be at most 100%");
	});

	test("nothing to replay is refused, not printed as NaN or as a cache of 0", async () => {
		const empty = await runCli(join(dir, "empty.csv"));
		expect(empty.code).toBe(2);
		expect(empty.stderr).toContain(`no requests in trace file: ${join(dir, "empty.csv")}`);
		expect(empty.stdout).not.toContain("NaN");

		const tiny = await runCli(join(dir, "one-key.csv"), "--size", "50%");
		expect(tiny.code).toBe(2);
		expect(tiny.stderr).toContain("is a cache of 0 objects");

		const whole = await runCli(join(dir, "one-key.csv"), "--size", "100%");
		expect(whole.code).toBe(0);
		expect(whole.stdout).toMatch(/LRU\s+misses\s+1 /);
	});

	test("a directory is refused by name; a header and size-0 rows are reported on stderr", async () => {
		const directory = await runCli(dir);
		expect(directory.code).toBe(2);
		expect(directory.stderr).toContain(`not a trace file (a directory?): ${dir}`);

		const zeros = await runCli(join(dir, "zeros.csv"), "--size", "100%");
		expect(zeros.code).toBe(0);
		expect(zeros.stderr).toContain("skipped a header line: time,id,bytes");
		expect(zeros.stderr).toContain("skipped 1 requests of size 0");
		expect(zeros.stdout).toContain("requests 2");
	});
});
